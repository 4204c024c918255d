-- The rows the planner believes %(table)s holds: -1 before its first ANALYZE.
select reltuples::bigint
from pg_class
where oid = to_regclass(%(table)s);
