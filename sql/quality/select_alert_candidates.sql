-- Each expectation the checkpoint validated for the hour, beside its open alert (if any)
-- and the hours it has failed since that alert opened, up to this hour.
with failed_hours as (
    select
        f.suite,
        f.expectation_id,
        count(distinct f.batch_hour) as hours_failed
    from validation_results as f
    inner join alert_state as s
        on f.suite = s.suite and f.expectation_id = s.expectation_id
    where not f.success
        and f.batch_hour >= s.first_failed_hour
        -- The oldest open alert bounds the history read; without it the whole table is.
        and f.batch_hour >= (select min(first_failed_hour) from alert_state)
        and f.batch_hour <= %(batch_hour)s
    group by f.suite, f.expectation_id
)

select
    r.suite,
    r.expectation_id,
    r.expectation_type,
    coalesce(r.column_name, r.description, 'the table') as target,
    r.severity,
    r.success,
    r.observed_value,
    r.unexpected_count,
    r.min_value,
    r.max_value,
    s.first_failed_hour,
    s.last_failed_hour,
    s.notified_hour,
    coalesce(h.hours_failed, 0) as hours_failed
from validation_results as r
left join alert_state as s
    on r.suite = s.suite and r.expectation_id = s.expectation_id
left join failed_hours as h
    on r.suite = h.suite and r.expectation_id = h.expectation_id
where r.checkpoint = %(checkpoint)s
    and r.batch_hour = %(batch_hour)s
order by r.suite, r.expectation_type, target;
