-- The expectations that failed in [since, until), critical first, then by the hours they failed.
select
    suite,
    expectation_type,
    coalesce(column_name, description, 'the table') as target,
    severity,
    sum(case when success then 0 else 1 end) as hours_failed,
    count(distinct batch_hour) as hours_validated,
    max(case when not success then batch_hour end) as last_failed_hour,
    sum(case when not success then coalesce(unexpected_count, 0) else 0 end) as unexpected_rows
from validation_results
where batch_hour >= %(since)s
    and batch_hour < %(until)s
group by suite, expectation_id, expectation_type, column_name, description, severity
having sum(case when success then 0 else 1 end) > 0
order by
    case severity when 'critical' then 0 when 'warning' then 1 else 2 end,
    hours_failed desc,
    last_failed_hour desc
limit 10;
