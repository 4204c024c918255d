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
create index if not exists quarantine_batch_hour on quarantine (batch_hour);
create index if not exists quarantine_source_key on quarantine (source_key);
create index if not exists stage_reconciliation_batch_hour on stage_reconciliation (batch_hour);
-- Kept for good, unlike Data Docs: each gate reads and replaces its hour here, and the
-- quality page reads the last 14 days. Without these, every run scans the whole history.
create index if not exists validation_results_batch_hour on validation_results (batch_hour);
create index if not exists run_steps_batch_hour on run_steps (batch_hour);

-- Each hour's rows are read by batch_hour right after they land, before the statistics
-- know the hour. At the default target every hour of a table (up to 100) is a most common
-- value, so an hour not among them is estimated at one row: the gate's duplicate check ran
-- as a nested loop (0.25 s instead of 1 ms after 100 hours, growing with the history).
-- With a target of 1 there is no such list, and an unseen hour is estimated at the table's
-- rows over its number of hours.
alter table staging_events alter column batch_hour set statistics 1;
alter table staging_songs alter column batch_hour set statistics 1;
alter table quarantine alter column batch_hour set statistics 1;
alter table stage_reconciliation alter column batch_hour set statistics 1;

-- Why a line cannot become a record of ``record_type`` (null when it can): not JSON, not
-- an object, text a text column cannot hold (the escape \u0000), or a field whose value
-- does not convert to its column's type (JSON numbers and strings convert both ways, as
-- in Redshift's COPY). Used only after the fast path,
-- which parses every line at once, has raised.
create or replace function sparkify_record_error(line text, record_type regtype) returns text
language plpgsql stable as $fn$
declare
    error record;
    detail text;
begin
    if not pg_input_is_valid(line, 'json') then
        select * into error from pg_input_error_info(line, 'json');
        return 'not JSON: ' || coalesce(error.message || ': ' || error.detail, error.message);
    end if;
    if json_typeof(line::json) <> 'object' then
        return 'not a JSON object: ' || json_typeof(line::json);
    end if;
    begin
        execute format('select json_populate_record(null::%s, $1::json)', record_type) using line;
    exception
        when untranslatable_character then
            get stacked diagnostics detail = pg_exception_detail;
            return 'not text: ' || sqlerrm || coalesce(' (' || nullif(detail, '') || ')', '');
        when others then
            -- A value of the wrong type, named below.
            null;
    end;
    return 'wrong type: ' || (
        select string_agg(
            format('%s %s is not %s', field.attname, line::json -> field.attname, format_type(field.atttypid, null)),
            '; ' order by field.attnum
        )
        from pg_attribute as field
        where field.attrelid = (select typrelid from pg_type where oid = record_type)
            and field.attnum > 0
            and field.atttypid <> 'text'::regtype
            and not pg_input_is_valid(line::json ->> field.attname, format_type(field.atttypid, null))
    );
end
$fn$;

-- The keys of a JSON object line that ``record_type`` has no field for (schema drift).
create or replace function sparkify_new_fields(line text, record_type regtype) returns text[]
language sql stable as $fn$
    select array_agg(key order by key)
    from json_object_keys(line::json) as key
    where not exists (
        select 1
        from pg_attribute as field
        where field.attrelid = (select typrelid from pg_type where oid = record_type)
            and field.attname = key
    )
$fn$;
