drop table if exists bench_copy_target;
