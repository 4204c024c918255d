-- The rows the reader staged (sparkify.warehouse.event_reader), typed: binary COPY, no parsing on the server.
copy staging_events (
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
) from stdin (format binary)
