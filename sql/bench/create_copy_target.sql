-- ./sparkify bench: a plain table shaped like staging_events for the baselines.
drop table if exists bench_copy_target;

create table bench_copy_target (like staging_events);
