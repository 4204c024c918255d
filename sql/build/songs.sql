-- Songs staged by the run, and the songs its plays matched that are not published yet
-- (staged by an hour still running or blocked): they are published with these plays,
-- so every play's song exists whatever order hours finish in. When two objects carry
-- one song_id, the one with the smallest artist_id, then title, wins. Runs after
-- build/songplays.sql.
-- Written to audit_songs for the run's hour, after removing the hour's earlier attempt
-- (a rerun starts clean). Only publish (sql/publish/) moves rows into songs.
delete from audit_songs
where batch_hour = %(data_interval_start)s;

insert into audit_songs (
    song_id,
    title,
    artist_id,
    year,
    duration,
    batch_hour
)
with touched_songs as (
    select song_id
    from staging_songs
    where batch_hour = %(data_interval_start)s
        and song_id is not null

    union

    select play.song_id
    from audit_songplays as play
    where play.batch_hour = %(data_interval_start)s
        and play.song_id is not null
        and not exists (
            select 1
            from songs
            where songs.song_id = play.song_id
        )
),

ranked_songs as (
    select
        staged.song_id,
        staged.title,
        staged.artist_id,
        staged.year,
        staged.duration,
        row_number() over (
            partition by staged.song_id
            order by staged.artist_id, staged.title
        ) as song_rank
    from staging_songs as staged
    inner join touched_songs
        on touched_songs.song_id = staged.song_id
)

select
    song_id,
    title,
    artist_id,
    year,
    duration,
    cast(%(data_interval_start)s as timestamp) as batch_hour
from ranked_songs
where song_rank = 1;
