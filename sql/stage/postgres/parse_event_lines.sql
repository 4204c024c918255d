-- The lines the reader passed on (raw_lines, numbered across the objects listed in
-- event_objects) as typed event records, each with its object and line. The fast path lets one bad
-- line abort the statement; the backend then reruns it with `checked`, which gives
-- each line that cannot be parsed its reason (line_defects holds what the reader found
-- first: bytes that are not UTF-8 text) and keeps its ts where that can be read, so
-- the record is quarantined by the hour it belongs to.
drop table if exists event_lines;

create temp table event_lines as
select
    raw.line_no as record_no,
    obj.source_key,
    raw.line_no - obj.first_line + 1 as source_line,
    raw.line as raw_line,
    event."artist" as artist,
    event."auth" as auth,
    event."firstName" as first_name,
    event."gender" as gender,
    event."itemInSession" as item_in_session,
    event."lastName" as last_name,
    event."length" as length,
    event."level" as level,
    event."location" as location,
    event."method" as method,
    event."page" as page,
    event."registration" as registration,
    event."sessionId" as session_id,
    event."song" as song,
    event."status" as status,
{%- if checked %}
    timestamp 'epoch' + coalesce(event."ts", parsed.ts) * interval '1 millisecond' as ts,
{%- else %}
    timestamp 'epoch' + event."ts" * interval '1 millisecond' as ts,
{%- endif %}
    event."userAgent" as user_agent,
    event."userId" as user_id,
{%- if checked %}
    parsed.reason
{%- else %}
    null::text as reason
{%- endif %}
from raw_lines as raw
inner join event_objects as obj
    on raw.line_no between obj.first_line and obj.last_line
{%- if checked %}
left join line_defects as defect
    on raw.line_no = defect.line_no
cross join lateral (
    select coalesce(defect.reason, sparkify_record_error(raw.line, 'event_record')) as reason
) as checked
-- The escape \u0000 (NUL) stops every field of its line from being read as text; as
-- \u0020, the same length and still an escape, it leaves the line's ts readable.
cross join lateral (
    select replace(raw.line, '\u0000', '\u0020') as line
) as readable
cross join lateral (
    select
        checked.reason,
        case
            when defect.reason is null
                and pg_input_is_valid(readable.line, 'json')
                and json_typeof(readable.line::json) = 'object'
                and pg_input_is_valid(readable.line::json ->> 'ts', 'bigint')
            then (readable.line::json ->> 'ts')::bigint
        end as ts
) as parsed
cross join lateral json_populate_record(
    null::event_record, case when parsed.reason is null then raw.line::json end
) as event
{%- else %}
cross join lateral json_populate_record(null::event_record, raw.line::json) as event
{%- endif %}
-- Blank lines hold no record.
where raw.line !~ '^\s*$';

-- Fresh statistics, or the planner takes the new table for empty and finds duplicates by
-- nested loops (17 s instead of 0.05 s for 20,000 events).
analyze event_lines;
