-- Redshift only. Every literal below is validated and quoted by the backend; the
-- role comes from the AWS connection, never keys in SQL.
copy events_copy
from {{ source_uri }}
iam_role {{ iam_role }}
format as json {{ jsonpaths_uri }}
timeformat 'epochmillisecs'
truncatecolumns
region {{ region }};
