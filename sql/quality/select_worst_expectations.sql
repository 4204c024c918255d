-- The expectations that failed in [since, until), critical first, then by the hours they failed.
-- Only the rows of expectations that failed in the period are grouped: the period holds
-- every expectation of every hour (two weeks of them on the quality page).
with failing as (
    select distinct
        suite,
        expectation_id
    from validation_results
    where batch_hour >= %(since)s
        and batch_hour < %(until)s
        and not success
)

select
    r.suite,
    r.expectation_type,
    coalesce(r.column_name, r.description, 'the table') as target,
    r.severity,
    sum(case when r.success then 0 else 1 end) as hours_failed,
    count(distinct r.batch_hour) as hours_validated,
    max(case when not r.success then r.batch_hour end) as last_failed_hour,
    sum(case when not r.success then coalesce(r.unexpected_count, 0) else 0 end) as unexpected_rows
from validation_results as r
inner join failing as f
    on r.suite = f.suite and r.expectation_id = f.expectation_id
where r.batch_hour >= %(since)s
    and r.batch_hour < %(until)s
group by r.suite, r.expectation_id, r.expectation_type, r.column_name, r.description, r.severity
-- An expectation whose severity changed in the period has a group per severity.
having sum(case when r.success then 0 else 1 end) > 0
order by
    case r.severity when 'critical' then 0 when 'warning' then 1 else 2 end,
    hours_failed desc,
    last_failed_hour desc
limit 10;
