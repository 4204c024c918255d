-- Redshift only: the manifest lists exactly the song objects this run stages; an object
-- COPY cannot load lands in stl_load_errors, which insert_rejected_songs.sql reads.
copy new_songs
from {{ manifest_uri }}
iam_role {{ iam_role }}
format as json 'auto'
manifest
truncatecolumns
maxerror 100000
region {{ region }};
