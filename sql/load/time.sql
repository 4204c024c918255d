-- The distinct start times of the run's plays (the same rows songplays gets).
select distinct
    ts as start_time,
    cast(extract(hour from ts) as integer) as hour,
    cast(extract(day from ts) as integer) as day,
    cast(extract(week from ts) as integer) as week,
    cast(extract(month from ts) as integer) as month,
    cast(extract(year from ts) as integer) as year,
    cast(extract(dow from ts) as integer) as weekday
from staging_events
where batch_hour = %(data_interval_start)s
    and page = 'NextSong'
