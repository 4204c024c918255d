-- The run's song objects parsed, each once: songs that parse go to new_songs, the rest
-- to rejected_songs with the reason (a handful of objects per hour, so each is checked
-- rather than trusting a fast path).
create temp table checked_songs on commit drop as
select
    source_key,
    body,
    coalesce(defect, sparkify_record_error(body, 'song_record')) as reason
from raw_songs;

create temp table new_songs on commit drop as
select
    raw.source_key,
    raw.body as raw_line,
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
from checked_songs as raw
cross join lateral json_populate_record(null::song_record, raw.body::json) as song
where raw.reason is null;

create temp table rejected_songs on commit drop as
select
    source_key,
    body as raw_line,
    reason
from checked_songs
where reason is not null;

create temp table new_song_objects on commit drop as
select
    source_key,
    source_etag
from raw_songs;
