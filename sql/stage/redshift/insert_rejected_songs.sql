-- Redshift only: the song objects the last COPY rejected, for the shared merge.
insert into rejected_songs (
    source_key,
    raw_line,
    reason
)
select
    replace(trim(filename), %(bucket_uri)s, ''),
    trim(raw_line),
    'load error: ' || trim(colname) || ' ' || trim(err_reason)
from stl_load_errors
where query = pg_last_copy_id();
