-- The usual event count of this hour of day: the same hour on the last 14 days that
-- were published (each hour once, with its largest recorded count), mean +/- the
-- larger of 3 standard deviations and a quarter of the mean. With fewer than 3 such
-- hours there is no history to judge by, and both bounds are null (no limit).
with same_hour as (
    select
        batch_hour,
        max(events_staged) as events
    from run_history
    where status = 'published'
        and batch_hour >= cast(%(data_interval_start)s as timestamp) - interval '14 days'
        and batch_hour < %(data_interval_start)s
        and extract(hour from batch_hour) = extract(hour from cast(%(data_interval_start)s as timestamp))
    group by batch_hour
),

usual as (
    select
        count(events) as hours,
        avg(cast(events as double precision)) as mean_events,
        coalesce(stddev_samp(events), 0) as stddev_events
    from same_hour
)

select
    case when hours >= 3 then
        cast(greatest(floor(mean_events - greatest(3 * stddev_events, 0.25 * mean_events)), 0) as integer)
    end as expected_events_min,
    case when hours >= 3 then
        cast(ceiling(mean_events + greatest(3 * stddev_events, 0.25 * mean_events)) as integer)
    end as expected_events_max
from usual;
