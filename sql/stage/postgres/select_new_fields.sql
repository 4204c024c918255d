-- Fields of the run's lines that event_record has no column for (schema drift), from
-- every line of a small run and an even sample of at most about 10,000 lines of a big
-- one: the full check would cost as much as the parse itself. The lines stay whole in
-- the source objects, which staging_events points to (source_key, source_line).
select coalesce(string_agg(distinct new_field, ', ' order by new_field), '')
from raw_lines as raw
cross join lateral unnest(sparkify_new_fields(raw.line, 'event_record')) as new_field
where raw.line_no %% greatest(1, %(lines)s / 10000) = 0
    and pg_input_is_valid(raw.line, 'json')
    and json_typeof(raw.line::json) = 'object'
