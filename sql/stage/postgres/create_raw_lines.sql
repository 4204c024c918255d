-- Raw lines of one events object, numbered in file order by the identity column.
create temp table raw_lines (
    line_no bigint generated always as identity,
    line text
) on commit drop;
