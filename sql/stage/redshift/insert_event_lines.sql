-- Redshift only: the COPYed events and the records the COPY rejected, as event_lines.
insert into event_lines (
    source_key,
    source_line,
    raw_line,
    artist,
    auth,
    first_name,
    gender,
    item_in_session,
    last_name,
    length,
    level,
    location,
    method,
    page,
    registration,
    session_id,
    song,
    status,
    ts,
    user_agent,
    user_id,
    reason
)
select
    %(source)s,
    null,
    null,
    artist,
    auth,
    first_name,
    gender,
    item_in_session,
    last_name,
    length,
    level,
    location,
    method,
    page,
    registration,
    session_id,
    song,
    status,
    ts,
    user_agent,
    user_id,
    null
from events_copy;

insert into event_lines (
    source_key,
    source_line,
    raw_line,
    reason
)
select
    replace(trim(filename), %(bucket_uri)s, ''),
    line_number,
    trim(raw_line),
    'load error: ' || trim(colname) || ' ' || trim(err_reason)
from stl_load_errors
where query = pg_last_copy_id();
