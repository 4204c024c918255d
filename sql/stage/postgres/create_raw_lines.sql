-- Raw lines of the run's events objects, numbered in read order by the identity column;
-- event_objects maps each object to its range of numbers, line_defects holds the lines
-- the reader found not to be UTF-8 text (they arrive as their escaped form).
create temp table raw_lines (
    line_no bigint generated always as identity,
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
