-- Redshift only: the keys and ETags of the objects in the manifest, written beside it as CSV.
copy new_song_objects
from {{ objects_uri }}
iam_role {{ iam_role }}
csv
region {{ region }};
