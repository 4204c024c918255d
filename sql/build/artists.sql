-- Artists whose songs the run staged, and the artists its plays matched that are not
-- published yet (as in build/songs.sql; runs after build/songplays.sql), recomputed
-- over all their staged songs.
-- An artist_id with several names takes the name most of its songs carry (ties: the
-- song with the smallest song_id), and location and coordinates from that same song.
-- Written to audit_artists for the run's hour, after removing the hour's earlier attempt
-- (a rerun starts clean). Only publish (sql/publish/) moves rows into artists.
delete from audit_artists
where batch_hour = %(data_interval_start)s;

insert into audit_artists (
    artist_id,
    name,
    location,
    latitude,
    longitude,
    batch_hour
)
with touched_artists as (
    select artist_id
    from staging_songs
    where batch_hour = %(data_interval_start)s
        and artist_id is not null

    union

    select play.artist_id
    from audit_songplays as play
    where play.batch_hour = %(data_interval_start)s
        and play.artist_id is not null
        and not exists (
            select 1
            from artists
            where artists.artist_id = play.artist_id
        )
),

artist_songs as (
    select
        staged.artist_id,
        staged.artist_name,
        staged.artist_location,
        staged.artist_latitude,
        staged.artist_longitude,
        staged.song_id,
        count(*) over (partition by staged.artist_id, staged.artist_name) as songs_with_name
    from staging_songs as staged
    inner join touched_artists
        on touched_artists.artist_id = staged.artist_id
),

ranked_artists as (
    select
        *,
        row_number() over (
            partition by artist_id
            order by songs_with_name desc, song_id
        ) as artist_rank
    from artist_songs
)

select
    artist_id,
    artist_name as name,
    artist_location as location,
    artist_latitude as latitude,
    artist_longitude as longitude,
    cast(%(data_interval_start)s as timestamp) as batch_hour
from ranked_artists
where artist_rank = 1;
