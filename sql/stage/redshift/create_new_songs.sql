-- Redshift only: COPY JSON 'auto' matches these column names to the song objects' keys.
drop table if exists new_songs;

create temp table new_songs (
    source_key varchar(1024),
    raw_line varchar(65535),
    song_id varchar(32),
    num_songs integer,
    title varchar(65535),
    artist_id varchar(32),
    artist_name varchar(65535),
    artist_location varchar(65535),
    artist_latitude double precision,
    artist_longitude double precision,
    duration double precision,
    year integer
);

drop table if exists new_song_objects;

create temp table new_song_objects (
    source_key varchar(1024),
    source_etag varchar(128)
);

drop table if exists rejected_songs;

create temp table rejected_songs (
    source_key varchar(1024),
    raw_line varchar(65535),
    reason varchar(65535)
);
