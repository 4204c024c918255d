-- One day of plays per subscription level, recomputed from the published songplays
-- (a rerun replaces the day).
delete from daily_plays_by_level
where day = %(day)s;

insert into daily_plays_by_level (
    day,
    level,
    plays,
    listeners
)
select
    cast(%(day)s as date) as day,
    coalesce(level, 'unknown') as level,
    count(*) as plays,
    count(distinct user_id) as listeners
from songplays
where start_time >= %(day_start)s
    and start_time < %(day_end)s
group by coalesce(level, 'unknown');
