-- Staged events and loaded songplays per hour of a demo window.
with staged as (
    select batch_hour as hour, count(*) as events, sum(case when page = 'NextSong' then 1 else 0 end) as plays
    from staging_events
    where batch_hour >= %(start)s and batch_hour < %(end)s
    group by batch_hour
),
loaded as (
    select date_trunc('hour', start_time) as hour, count(*) as songplays, count(song_id) as matched
    from songplays
    where start_time >= %(start)s and start_time < %(end)s
    group by 1
)
select
    coalesce(staged.hour, loaded.hour) as hour,
    coalesce(staged.events, 0),
    coalesce(staged.plays, 0),
    coalesce(loaded.songplays, 0),
    coalesce(loaded.matched, 0)
from staged
full outer join loaded on loaded.hour = staged.hour
order by 1
