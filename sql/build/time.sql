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
select distinct
    ts as start_time,
    cast(extract(hour from ts) as integer) as hour,
    cast(extract(day from ts) as integer) as day,
    cast(extract(week from ts) as integer) as week,
    cast(extract(month from ts) as integer) as month,
    cast(extract(year from ts) as integer) as year,
    cast(extract(dow from ts) as integer) as weekday,
    cast(%(data_interval_start)s as timestamp) as batch_hour
from staging_events
where batch_hour = %(data_interval_start)s
    and page = 'NextSong';
