-- Songs staged by the run. When two objects carry one song_id, the one with the
-- smallest artist_id, then title, wins.
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
    select distinct song_id
    from staging_songs
    where batch_hour = %(data_interval_start)s
        and song_id is not null
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
