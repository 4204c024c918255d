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

-- staging_events grows by whole hours, each written at once: a block-range index on
-- batch_hour finds an hour as Redshift's zone maps on its sort key do. A btree added a
-- third to a million-event COPY's server time (2.7 s against 2.0 s without an index; 2.2 s
-- with this one), and lookups of an hour cost a millisecond or two more (a range of 128 pages
-- is read whole). minmax-multi keeps up to 32 values a range, so space a rerun freed and a
-- later hour filled does not widen the range to every hour between the two.
drop index if exists staging_events_batch_hour;
create index if not exists staging_events_batch_hour_range on staging_events
using brin (batch_hour timestamp_minmax_multi_ops) with (autosummarize = on);
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
-- The quality page's worst expectations and volume plot need a few rows of its two weeks
-- (failed expectations; the volume checks' two rows an hour), not all of them: with a year
-- of results stored, 0.5 and 1.2 ms instead of 8.9 and 9.4 ms, each hour (medians of 15).
create index if not exists validation_results_failed on validation_results (batch_hour) where not success;
create index if not exists validation_results_volume on validation_results (batch_hour)
where expectation_type = 'expect_table_row_count_to_be_between';
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

-- The stage step analyzes a table it just filled (a first hour): ANALYZE samples 300 rows
-- per unit of the largest target. At the default of 100 it read 30,000 rows of a
-- million-event hour and took 0.4 to 0.6 s of the step; at 10, 0.03 s, and the build's and
-- the gates' queries on that hour planned the same (all 111 of them, by EXPLAIN). The
-- hour's queries aggregate or hash-join all of its rows: they need its size and each
-- column's distinct values, not a finer histogram.
alter table staging_events
    alter column artist set statistics 10,
    alter column auth set statistics 10,
    alter column first_name set statistics 10,
    alter column gender set statistics 10,
    alter column item_in_session set statistics 10,
    alter column last_name set statistics 10,
    alter column length set statistics 10,
    alter column level set statistics 10,
    alter column location set statistics 10,
    alter column method set statistics 10,
    alter column page set statistics 10,
    alter column registration set statistics 10,
    alter column session_id set statistics 10,
    alter column song set statistics 10,
    alter column status set statistics 10,
    alter column ts set statistics 10,
    alter column user_agent set statistics 10,
    alter column user_id set statistics 10,
    alter column source_key set statistics 10,
    alter column source_line set statistics 10;

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
