-- Redshift only: the manifest lists exactly the song objects this run stages.
copy new_songs
from {{ manifest_uri }}
iam_role {{ iam_role }}
format as json 'auto'
manifest
truncatecolumns
region {{ region }};
