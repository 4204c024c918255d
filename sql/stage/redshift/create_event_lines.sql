-- Redshift only: the day's objects are COPYed here (the event columns), then the shared
-- placement (sql/stage/place_events.sql) reads it. COPY does not say which object and
-- line a loaded row came from: loaded rows carry the run's source and a number
-- (record_no); rejected ones carry their object and line from stl_load_errors.
drop table if exists event_lines;

create temp table event_lines (
    record_no bigint identity(1, 1),
    source_key varchar(1024),
    source_line integer,
    raw_line varchar(65535),
    artist varchar(65535),
    auth varchar(32),
    first_name varchar(65535),
    gender varchar(8),
    item_in_session integer,
    last_name varchar(65535),
    length double precision,
    level varchar(8),
    location varchar(65535),
    method varchar(8),
    page varchar(64),
    registration double precision,
    session_id integer,
    song varchar(65535),
    status integer,
    ts timestamp,
    user_agent varchar(65535),
    user_id varchar(32),
    reason varchar(65535)
);
