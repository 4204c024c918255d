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

-- Records a stage step could not stage, kept where a person can read them: the object,
-- the line (1-based; a song object is one record), the raw line and why. Events are
-- keyed by the run's hour (a rerun replaces them); a record no hour can claim (no
-- readable ts) is listed by every hour that read its object.
create table if not exists quarantine (
    batch_hour timestamp not null,
    stage varchar(16) not null,
    source_key varchar(1024) not null,
    source_line integer,
    raw_line {{ long_text }},
    reason {{ long_text }} not null
) {{ table_attributes.quarantine }};

-- One row per stage run and source: every record read is staged, quarantined or left
-- to the hour it belongs to. The GX gate stage_reconciliation checks the balance and
-- the quarantined share against the threshold recorded with it.
create table if not exists stage_reconciliation (
    batch_hour timestamp not null,
    stage varchar(16) not null,
    source {{ long_text }} not null,
    objects_read integer not null,
    records_read integer not null,
    staged integer not null,
    quarantined integer not null,
    other_hours integer not null,
    quarantined_share double precision not null,
    max_quarantined_share double precision not null,
    worst_source_key varchar(1024),
    worst_source_line integer,
    worst_reason {{ long_text }},
    new_fields {{ long_text }}
) {{ table_attributes.stage_reconciliation }};

{#- Each star table's columns are written once: the published table adds its primary
    key and NOT NULLs; the run's audit table (write-audit-publish) adds the hour it was
    built for and has neither, so a duplicate or a null key reaches the GX gate, which
    names it, instead of aborting the build. #}
{% macro songplays_columns(required) %}
    songplay_id varchar(32){{ required }},
    start_time timestamp{{ required }},
    user_id varchar(32){{ required }},
    level varchar(8),
    song_id varchar(32),
    artist_id varchar(32),
    session_id integer,
    location {{ long_text }},
    user_agent {{ long_text }}
{%- endmacro %}
{% macro users_columns(required) %}
    user_id varchar(32){{ required }},
    first_name {{ long_text }},
    last_name {{ long_text }},
    gender varchar(1),
    level varchar(8),
    last_event_at timestamp{{ required }}
{%- endmacro %}
{% macro songs_columns(required) %}
    song_id varchar(32){{ required }},
    title {{ long_text }},
    artist_id varchar(32),
    year integer,
    duration double precision
{%- endmacro %}
{% macro artists_columns(required) %}
    artist_id varchar(32){{ required }},
    name {{ long_text }},
    location {{ long_text }},
    latitude double precision,
    longitude double precision
{%- endmacro %}
{% macro time_columns(required) %}
    start_time timestamp{{ required }},
    hour integer,
    day integer,
    week integer,
    month integer,
    year integer,
    weekday integer
{%- endmacro %}
{% set star_tables = {
    "songplays": (songplays_columns, "songplay_id"),
    "users": (users_columns, "user_id"),
    "songs": (songs_columns, "song_id"),
    "artists": (artists_columns, "artist_id"),
    "time": (time_columns, "start_time"),
} %}
{% for table, (columns, key) in star_tables.items() %}
create table if not exists {{ table }} ({{ columns(" not null") }},
    primary key ({{ key }})
) {{ table_attributes[table] }};

create table if not exists audit_{{ table }} ({{ columns("") }},
    batch_hour timestamp not null
) {{ table_attributes["audit_" ~ table] }};
{% endfor %}

-- Owned by the downstream DAG sparkify_daily_plays (refreshed from published songplays).
create table if not exists daily_plays_by_level (
    day date not null,
    level varchar(8) not null,
    plays integer not null,
    listeners integer not null,
    primary key (day, level)
) {{ table_attributes.daily_plays_by_level }};

-- Run history: one row per task of each hourly run (written by the tasks' callbacks,
-- plugins/sparkify/run_history.py), and per run and hour in the view below.
create table if not exists run_steps (
    run_id varchar(256) not null,
    batch_hour timestamp not null,
    step varchar(128) not null,
    outcome varchar(16) not null,
    rows_affected bigint,
    severity varchar(16),
    seconds double precision,
    data_docs_url {{ long_text }},
    recorded_at timestamp not null,
    primary key (run_id, step)
) {{ table_attributes.run_steps }};

-- Validation history: one row per expectation of each gate run (written by the checkpoint
-- action sparkify_validation_results, plugins/sparkify/quality/results.py); a rerun of
-- an hour replaces its checkpoint's rows. Data Docs keep a rolling window; this keeps all.
create table if not exists validation_results (
    run_id varchar(256) not null,
    batch_hour timestamp not null,
    checkpoint varchar(128) not null,
    suite varchar(128) not null,
    expectation_id varchar(64) not null,
    expectation_type varchar(128) not null,
    column_name varchar(256),
    description varchar(1024),
    severity varchar(16) not null,
    success boolean not null,
    observed_value varchar(1024),
    unexpected_count bigint,
    -- The bounds a range expectation held the data to, its suite parameters resolved.
    min_value double precision,
    max_value double precision,
    data_docs_url {{ long_text }},
    validated_at timestamp not null
) {{ table_attributes.validation_results }};

-- Open alerts: an expectation failing since first_failed_hour, last told to Slack about
-- at notified_hour (plugins/sparkify/quality/alerts.py). Its recovery deletes the row.
create table if not exists alert_state (
    suite varchar(128) not null,
    expectation_id varchar(64) not null,
    first_failed_hour timestamp not null,
    last_failed_hour timestamp not null,
    notified_hour timestamp not null,
    primary key (suite, expectation_id)
) {{ table_attributes.alert_state }};

-- Dropped and created, not replaced: a new column may only be appended to a replaced view.
drop view if exists run_history;

create view run_history as
select
    run_id,
    batch_hour,
    case
        when sum(case when step = 'publish' and outcome = 'done' then 1 else 0 end) > 0 then 'published'
        when sum(case when outcome = 'blocked' then 1 else 0 end) > 0 then 'blocked'
        when sum(case when outcome = 'failed' then 1 else 0 end) > 0 then 'failed'
        else 'running'
    end as status,
    max(case when step = 'stage_events.read' then rows_affected end) as events_read,
    max(case when step = 'stage_events' then rows_affected end) as events_staged,
    max(case when step = 'stage_events.quarantined' then rows_affected end) as events_quarantined,
    max(case when step = 'stage_songs.read' then rows_affected end) as songs_read,
    max(case when step = 'stage_songs' then rows_affected end) as songs_staged,
    max(case when step = 'stage_songs.quarantined' then rows_affected end) as songs_quarantined,
    max(case when step = 'publish.songplays' then rows_affected end) as songplays_published,
    max(case when step = 'publish.users' then rows_affected end) as users_published,
    max(case when step = 'publish.songs' then rows_affected end) as songs_published,
    max(case when step = 'publish.artists' then rows_affected end) as artists_published,
    max(case when step = 'publish.time' then rows_affected end) as time_published,
    -- A gate's outcome is its worst task's: blocked, failed (an error), warning, passed, skipped.
    case max(case when step = 'validate_staging' then
            case outcome when 'blocked' then 4 when 'failed' then 3 when 'warning' then 2 when 'passed' then 1 else 0 end end)
        when 4 then 'blocked' when 3 then 'failed' when 2 then 'warning' when 1 then 'passed' when 0 then 'skipped'
    end as staging_gate,
    case max(case when step = 'validate_warehouse' then
            case outcome when 'blocked' then 4 when 'failed' then 3 when 'warning' then 2 when 'passed' then 1 else 0 end end)
        when 4 then 'blocked' when 3 then 'failed' when 2 then 'warning' when 1 then 'passed' when 0 then 'skipped'
    end as warehouse_gate,
    max(case when outcome = 'blocked' then step end) as blocked_by,
    max(case when outcome in ('blocked', 'warning') then data_docs_url end) as data_docs_url,
    sum(seconds) as task_seconds,
    min(recorded_at) as started_at,
    max(recorded_at) as finished_at
from run_steps
group by run_id, batch_hour;
