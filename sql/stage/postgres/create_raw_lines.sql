-- The lines the reader passed on to the server (raw_lines, numbered across the objects
-- listed in event_objects, as the reader read them); line_defects holds the lines the
-- reader found not to be UTF-8 text (they arrive as their escaped form).
create temp table raw_lines (
    line_no bigint,
    line text
) on commit drop;

create temp table event_objects (
    source_key text,
    first_line bigint,
    last_line bigint
) on commit drop;

create temp table line_defects (
    line_no bigint,
    reason text
) on commit drop;
