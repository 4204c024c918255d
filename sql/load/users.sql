-- Each user's latest event of the run's hour; the upsert keeps it only when it is
-- later than the event the stored row came from (last_event_at).
with ranked_events as (
    select
        user_id,
        first_name,
        last_name,
        gender,
        level,
        ts,
        row_number() over (
            partition by user_id
            order by ts desc, item_in_session desc, session_id desc
        ) as recency_rank
    from staging_events
    where batch_hour = %(data_interval_start)s
        and user_id <> ''
)

select
    user_id,
    first_name,
    last_name,
    gender,
    level,
    ts as last_event_at
from ranked_events
where recency_rank = 1
