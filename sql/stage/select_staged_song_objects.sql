select
    source_key,
    source_etag
from staging_song_objects;
