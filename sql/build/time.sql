-- The distinct start times of the run's plays (the same rows songplays gets).
-- Written to audit_time for the run's hour, after removing the hour's earlier attempt
-- (a rerun starts clean). Only publish (sql/publish/) moves rows into time.
delete from audit_time
where batch_hour = %(data_interval_start)s;

insert into audit_time (
    start_time,
    hour,
    day,
    week,
    month,
    year,
    weekday,
    batch_hour
)
-- date_part, not extract: PostgreSQL's extract computes in numeric, which costs more over
-- an hour's plays; both give the same whole numbers here and on Redshift.
select distinct
    ts as start_time,
    cast(date_part('hour', ts) as integer) as hour,
    cast(date_part('day', ts) as integer) as day,
    cast(date_part('week', ts) as integer) as week,
    cast(date_part('month', ts) as integer) as month,
    cast(date_part('year', ts) as integer) as year,
    cast(date_part('dow', ts) as integer) as weekday,
    cast(%(data_interval_start)s as timestamp) as batch_hour
from staging_events
where batch_hour = %(data_interval_start)s
    and page = 'NextSong';
