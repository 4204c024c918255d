-- Expects the temp table event_lines of this transaction (every record read this run:
-- object, line, raw text, typed fields and, for one that could not be parsed, the
-- reason). Each record is staged if it belongs to the run's hour, left to the hour it
-- belongs to, or quarantined with its reason; the balance goes to stage_reconciliation.
-- A rerun of the hour replaces all three.
delete from staging_events
where batch_hour = %(data_interval_start)s;

delete from quarantine
where stage = 'events'
    and batch_hour = %(data_interval_start)s;

delete from stage_reconciliation
where stage = 'events'
    and batch_hour = %(data_interval_start)s;

drop table if exists placed_events;

create temp table placed_events as
with claimed as (
    select
        *,
        case
            when ts is null or ts < %(day_start)s or ts >= %(day_end)s then 'none'
            when ts >= %(data_interval_start)s and ts < %(data_interval_end)s then 'hour'
            else 'other'
        end as claim
    from event_lines
),

numbered as (
    -- The same event twice (in one object or two) is staged once: the first copy by
    -- object and line.
    select
        *,
        row_number() over (
            partition by reason is null, claim, session_id, item_in_session, user_id, ts
            order by source_key, source_line
        ) as copy_no,
        first_value(source_key) over (
            partition by reason is null, claim, session_id, item_in_session, user_id, ts
            order by source_key, source_line
            rows between unbounded preceding and current row
        ) as first_source_key,
        first_value(source_line) over (
            partition by reason is null, claim, session_id, item_in_session, user_id, ts
            order by source_key, source_line
            rows between unbounded preceding and current row
        ) as first_source_line
    from claimed
)

select
    *,
    case
        when reason is not null then reason
        when ts is null then 'no ts: the record cannot be placed in an hour'
        when claim = 'none' then 'outside its day: ts ' || ts::varchar || ' is not on ' || %(day)s
        when claim = 'hour' and copy_no > 1 then
            'duplicate: the same event as ' || first_source_key || ' line ' || coalesce(first_source_line::varchar, '?')
    end as quarantine_reason
from numbered;

insert into staging_events (
    artist,
    auth,
    first_name,
    gender,
    item_in_session,
    last_name,
    length,
    level,
    location,
    method,
    page,
    registration,
    session_id,
    song,
    status,
    ts,
    user_agent,
    user_id,
    batch_hour,
    source_key,
    source_line
)
select
    artist,
    auth,
    first_name,
    gender,
    item_in_session,
    last_name,
    length,
    level,
    location,
    method,
    page,
    registration,
    session_id,
    song,
    status,
    ts,
    user_agent,
    user_id,
    %(data_interval_start)s,
    source_key,
    source_line
from placed_events
where claim = 'hour'
    and quarantine_reason is null;

-- A record no hour can claim is listed by each hour that reads its object.
insert into quarantine (
    batch_hour,
    stage,
    source_key,
    source_line,
    raw_line,
    reason
)
select
    %(data_interval_start)s,
    'events',
    source_key,
    source_line,
    raw_line,
    quarantine_reason
from placed_events
where claim <> 'other'
    and quarantine_reason is not null;

insert into stage_reconciliation (
    batch_hour,
    stage,
    source,
    objects_read,
    records_read,
    staged,
    quarantined,
    other_hours,
    quarantined_share,
    max_quarantined_share,
    worst_source_key,
    worst_source_line,
    worst_reason,
    new_fields
)
with tally as (
    select
        count(*) as records_read,
        sum(case when claim = 'hour' and quarantine_reason is null then 1 else 0 end) as staged,
        sum(case when claim <> 'other' and quarantine_reason is not null then 1 else 0 end) as quarantined,
        sum(case when claim = 'hour' and quarantine_reason is not null then 1 else 0 end) as hour_quarantined,
        sum(case when claim = 'none' then 1 else 0 end) as unplaceable,
        sum(case when claim = 'other' then 1 else 0 end) as other_hours
    from placed_events
),

-- The object with the most quarantined records and its first one.
quarantined_by_object as (
    select
        source_key,
        source_line,
        quarantine_reason,
        count(*) over (partition by source_key) as in_object
    from placed_events
    where claim <> 'other'
        and quarantine_reason is not null
),

worst as (
    select
        source_key,
        source_line,
        quarantine_reason
    from quarantined_by_object
    order by in_object desc, source_key, source_line
    limit 1
)

select
    %(data_interval_start)s,
    'events',
    %(source)s,
    %(objects_read)s,
    tally.records_read,
    coalesce(tally.staged, 0),
    coalesce(tally.quarantined, 0),
    coalesce(tally.other_hours, 0),
    -- The worse of: the hour's own records quarantined, and the records no hour can
    -- claim among all read (a bad line in a day object is not held against each hour
    -- of the day as if it were one of that hour's few records).
    greatest(
        case
            when coalesce(tally.staged, 0) + coalesce(tally.hour_quarantined, 0) = 0 then 0
            else tally.hour_quarantined::double precision / (tally.staged + tally.hour_quarantined)
        end,
        case
            when tally.records_read = 0 then 0
            else tally.unplaceable::double precision / tally.records_read
        end
    ),
    %(max_quarantined_share)s,
    worst.source_key,
    worst.source_line,
    worst.quarantine_reason,
    nullif(%(new_fields)s, '')
from tally
left join worst on 1 = 1;
