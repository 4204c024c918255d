-- Each user's latest event of the run's hour; publish keeps it only when it is later
-- than the event the published row came from (last_event_at).
-- Written to audit_users for the run's hour, after removing the hour's earlier attempt
-- (a rerun starts clean). Only publish (sql/publish/) moves rows into users.
delete from audit_users
where batch_hour = %(data_interval_start)s;

insert into audit_users (
    user_id,
    first_name,
    last_name,
    gender,
    level,
    last_event_at,
    batch_hour
)
with ranked_events as (
    select
        user_id,
        first_name,
        last_name,
        gender,
        level,
        ts,
        -- Events of one ts: the later item of the session, then the later line.
        row_number() over (
            partition by user_id
            order by ts desc, item_in_session desc nulls last, session_id desc nulls last, source_key desc, source_line desc
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
    ts as last_event_at,
    cast(%(data_interval_start)s as timestamp) as batch_hour
from ranked_events
where recency_rank = 1;
