-- Redshift only. Every literal below is validated and quoted by the backend; the
-- role comes from the AWS connection, never keys in SQL. A record COPY cannot load
-- lands in stl_load_errors (object, line, raw text, reason) instead of failing the
-- load; insert_event_lines.sql moves it to the quarantine path.
copy events_copy
from {{ manifest_uri }}
iam_role {{ iam_role }}
format as json {{ jsonpaths_uri }}
manifest
timeformat 'epochmillisecs'
truncatecolumns
maxerror 100000
region {{ region }};
