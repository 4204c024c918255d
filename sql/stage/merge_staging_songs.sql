-- Expects the temp tables new_songs and new_song_objects of this transaction.
delete from staging_songs
using new_songs
where staging_songs.song_id = new_songs.song_id;

insert into staging_songs (
    song_id,
    num_songs,
    title,
    artist_id,
    artist_name,
    artist_location,
    artist_latitude,
    artist_longitude,
    duration,
    year,
    batch_hour
)
select
    song_id,
    num_songs,
    title,
    artist_id,
    artist_name,
    artist_location,
    artist_latitude,
    artist_longitude,
    duration,
    year,
    %(data_interval_start)s
from new_songs;

delete from staging_song_objects
using new_song_objects
where staging_song_objects.source_key = new_song_objects.source_key;

insert into staging_song_objects (
    source_key,
    source_etag,
    batch_hour
)
select
    source_key,
    source_etag,
    %(data_interval_start)s
from new_song_objects;
