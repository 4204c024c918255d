-- Redshift only, right after the events' COPY (pg_last_copy_id() names it): loaded rows
-- carry the run's source; the records the COPY rejected join them with their object,
-- line, raw text and reason.
update event_lines
set source_key = %(source)s
where source_key is null;

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
