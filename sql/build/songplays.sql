-- One row per NextSong event of the run's hour. A play gets the song whose title,
-- artist name and duration equal its own; when several do, the smallest song_id.
-- Written to audit_songplays for the run's hour, after removing the hour's earlier attempt
-- (a rerun starts clean). Only publish (sql/publish/) moves rows into songplays.
delete from audit_songplays
where batch_hour = %(data_interval_start)s;

insert into audit_songplays (
    songplay_id,
    start_time,
    user_id,
    level,
    song_id,
    artist_id,
    session_id,
    location,
    user_agent,
    batch_hour
)
with song_matches as (
    select
        title,
        artist_name,
        duration,
        song_id,
        artist_id,
        row_number() over (
            partition by title, artist_name, duration
            order by song_id
        ) as match_rank
    from staging_songs
),

plays as (
    select
        md5(
            coalesce(cast(session_id as varchar), '') || '|'
            || coalesce(cast(item_in_session as varchar), '') || '|'
            || coalesce(user_id, '') || '|'
            || to_char(ts, 'YYYY-MM-DD HH24:MI:SS.MS')
        ) as songplay_id,
        ts as start_time,
        user_id,
        level,
        song,
        artist,
        length,
        session_id,
        location,
        user_agent,
        source_key,
        source_line
    from staging_events
    where batch_hour = %(data_interval_start)s
        and page = 'NextSong'
),

-- Copies of one event (possible only when the stage step could not match them, e.g. a
-- key field missing) share one id; the first by object and line is kept, so a rerun
-- keeps the same one.
distinct_plays as (
    select
        *,
        row_number() over (partition by songplay_id order by source_key, source_line) as copy_rank
    from plays
)

select
    plays.songplay_id,
    plays.start_time,
    plays.user_id,
    plays.level,
    song_matches.song_id,
    song_matches.artist_id,
    plays.session_id,
    plays.location,
    plays.user_agent,
    cast(%(data_interval_start)s as timestamp) as batch_hour
from distinct_plays as plays
left join song_matches
    on song_matches.title = plays.song
    and song_matches.artist_name = plays.artist
    and song_matches.duration = plays.length
    and song_matches.match_rank = 1
where plays.copy_rank = 1;
