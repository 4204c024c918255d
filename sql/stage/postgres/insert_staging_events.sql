-- Parses each raw line into the JSON record type and keeps the run's hour.
insert into staging_events (
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
    batch_hour,
    source_key,
    source_line
)
select
    event."artist",
    event."auth",
    event."firstName",
    event."gender",
    event."itemInSession",
    event."lastName",
    event."length",
    event."level",
    event."location",
    event."method",
    event."page",
    event."registration",
    event."sessionId",
    event."song",
    event."status",
    timestamp 'epoch' + event."ts" * interval '1 millisecond',
    event."userAgent",
    event."userId",
    %(data_interval_start)s,
    %(source_key)s,
    raw.line_no
from raw_lines as raw
cross join lateral json_populate_record(null::event_record, raw.line::json) as event
where event."ts" >= %(start_epoch_ms)s
    and event."ts" < %(end_epoch_ms)s;
