-- PostgreSQL only: the JSON record types the stage step parses raw lines into
-- (field names are the JSON keys), and indexes that Redshift does without.
do $$
begin
    if not exists (select 1 from pg_type where typname = 'event_record') then
        create type event_record as (
            "artist" text,
            "auth" text,
            "firstName" text,
            "gender" text,
            "itemInSession" integer,
            "lastName" text,
            "length" double precision,
            "level" text,
            "location" text,
            "method" text,
            "page" text,
            "registration" double precision,
            "sessionId" integer,
            "song" text,
            "status" integer,
            "ts" bigint,
            "userAgent" text,
            "userId" text
        );
    end if;
    if not exists (select 1 from pg_type where typname = 'song_record') then
        create type song_record as (
            "song_id" text,
            "num_songs" integer,
            "title" text,
            "artist_id" text,
            "artist_name" text,
            "artist_location" text,
            "artist_latitude" double precision,
            "artist_longitude" double precision,
            "duration" double precision,
            "year" integer
        );
    end if;
end
$$;

create index if not exists staging_events_batch_hour on staging_events (batch_hour);
create index if not exists staging_songs_song_id on staging_songs (song_id);
create index if not exists staging_songs_artist_id on staging_songs (artist_id);
create index if not exists staging_songs_batch_hour on staging_songs (batch_hour);
create index if not exists staging_songs_match on staging_songs (title, artist_name, duration);
create index if not exists songplays_start_time on songplays (start_time);
