-- Whether the run's hour has any rows in {{ table }} (at most one row is read).
select count(*)
from (
    select 1
    from {{ table }}
    where batch_hour = %(data_interval_start)s
    limit 1
) as found;
