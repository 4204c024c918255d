-- Fields of the lines the reader passed on (it checks the lines it stages itself) that
-- event_record has no column for (schema drift), from every line of a few and an even
-- sample of at most about 10,000 of many: the full check would cost as much as the
-- parse itself. The lines stay whole in the source objects, which staging_events and
-- quarantine point to (source_key, source_line).
select coalesce(string_agg(distinct new_field, ', ' order by new_field), '')
from raw_lines as raw
-- The escape \u0000 as \u0020, as in parse_event_lines.sql: the keys stay readable.
cross join lateral (
    select replace(raw.line, '\u0000', '\u0020') as line
) as readable
cross join lateral unnest(sparkify_new_fields(readable.line, 'event_record')) as new_field
where raw.line_no %% greatest(1, %(lines)s / 10000) = 0
    and pg_input_is_valid(readable.line, 'json')
    and json_typeof(readable.line::json) = 'object'
