create temp table new_songs on commit drop as
select
    song."song_id" as song_id,
    song."num_songs" as num_songs,
    song."title" as title,
    song."artist_id" as artist_id,
    song."artist_name" as artist_name,
    song."artist_location" as artist_location,
    song."artist_latitude" as artist_latitude,
    song."artist_longitude" as artist_longitude,
    song."duration" as duration,
    song."year" as year
from raw_songs as raw
cross join lateral json_populate_record(null::song_record, raw.body::json) as song;

create temp table new_song_objects on commit drop as
select
    source_key,
    source_etag
from raw_songs;
