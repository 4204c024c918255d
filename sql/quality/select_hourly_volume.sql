-- The events staged in each validated hour of [since, until) and the volume checks'
-- warning bounds for it as the staging gate saw them: the tighter of the fixed floor and
-- the usual range of that hour of day.
select
    batch_hour,
    max(cast(observed_value as bigint)) as events,
    max(min_value) as min_value,
    min(max_value) as max_value,
    min(case when success then 1 else 0 end) = 1 as within_bounds
from validation_results
where suite = 'staging_events'
    and expectation_type = 'expect_table_row_count_to_be_between'
    and batch_hour >= %(since)s
    and batch_hour < %(until)s
group by batch_hour
order by batch_hour;
