-- The warehouse contract (DESIGN.md §1) plus staging. Column types that differ
-- between PostgreSQL and Redshift, and Redshift's distribution and sort keys, come
-- from the backend (plugins/sparkify/warehouse/): `text` is varchar(256) on Redshift.

create table if not exists staging_events (
    artist {{ long_text }},
    auth varchar(32),
    first_name {{ long_text }},
    gender varchar(8),
    item_in_session integer,
    last_name {{ long_text }},
    length double precision,
    level varchar(8),
    location {{ long_text }},
    method varchar(8),
    page varchar(64),
    registration double precision,
    session_id integer,
    song {{ long_text }},
    status integer,
    ts timestamp,
    user_agent {{ long_text }},
    user_id varchar(32),
    batch_hour timestamp not null,
    source_key {{ long_text }},
    source_line integer
) {{ table_attributes.staging_events }};

create table if not exists staging_songs (
    song_id varchar(32),
    num_songs integer,
    title {{ long_text }},
    artist_id varchar(32),
    artist_name {{ long_text }},
    artist_location {{ long_text }},
    artist_latitude double precision,
    artist_longitude double precision,
    duration double precision,
    year integer,
    batch_hour timestamp
) {{ table_attributes.staging_songs }};

create table if not exists staging_song_objects (
    source_key varchar(1024) primary key,
    source_etag varchar(128) not null,
    batch_hour timestamp not null
) {{ table_attributes.staging_song_objects }};

create table if not exists songplays (
    songplay_id varchar(32) primary key,
    start_time timestamp not null,
    user_id varchar(32) not null,
    level varchar(8),
    song_id varchar(32),
    artist_id varchar(32),
    session_id integer,
    location {{ long_text }},
    user_agent {{ long_text }}
) {{ table_attributes.songplays }};

create table if not exists users (
    user_id varchar(32) primary key,
    first_name {{ long_text }},
    last_name {{ long_text }},
    gender varchar(1),
    level varchar(8),
    last_event_at timestamp not null
) {{ table_attributes.users }};

create table if not exists songs (
    song_id varchar(32) primary key,
    title {{ long_text }},
    artist_id varchar(32),
    year integer,
    duration double precision
) {{ table_attributes.songs }};

create table if not exists artists (
    artist_id varchar(32) primary key,
    name {{ long_text }},
    location {{ long_text }},
    latitude double precision,
    longitude double precision
) {{ table_attributes.artists }};

create table if not exists time (
    start_time timestamp primary key,
    hour integer,
    day integer,
    week integer,
    month integer,
    year integer,
    weekday integer
) {{ table_attributes.time }};
