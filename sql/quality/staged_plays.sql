-- The songplays suite's parameter staged_plays: the hour's NextSong events in staging,
-- each of which becomes exactly one play.
select count(*) as staged_plays
from staging_events
where batch_hour = %(data_interval_start)s
    and page = 'NextSong';
