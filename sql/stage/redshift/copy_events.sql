-- Redshift only. Every literal below is validated and quoted by the backend; the
-- role comes from the AWS connection, never keys in SQL. A record COPY cannot load
-- lands in stl_load_errors (object, line, raw text, reason) instead of failing the
-- load; complete_event_lines.sql adds it to event_lines with its reason.
copy event_lines (
    artist, auth, first_name, gender, item_in_session, last_name, length, level, location, method,
    page, registration, session_id, song, status, ts, user_agent, user_id
)
from {{ manifest_uri }}
iam_role {{ iam_role }}
format as json {{ jsonpaths_uri }}
manifest
timeformat 'epochmillisecs'
truncatecolumns
maxerror 100000
region {{ region }};
