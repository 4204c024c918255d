-- Expects the temp table event_lines of this transaction: the records read this run that
-- no reader placed yet (on Redshift every record; on PostgreSQL the lines its reader passed
-- on), each with its object, line, raw text, a number unique in the run (record_no), the
-- typed fields and, for one that could not be parsed, the reason. Each is staged if it
-- belongs to the run's hour, left to the hour it belongs to, or quarantined with its
-- reason (sql/stage/record_events_balance.sql then records the balance). Nothing here
-- sorts or copies the whole hour: duplicates are found by grouping the keys first, and
-- only repeated keys are ranked.
{% from "stage/event_claim.sql" import claim %}
-- The same event twice (in one object or two) is staged once; this holds the later
-- copies. Copies the reader staged stand first (it read every line in order and staged
-- each event once); among the rest, the first by object and line stands.
drop table if exists duplicate_events;

create temp table duplicate_events as
with hour_events as (
    select
        record_no,
        source_key,
        source_line,
        session_id,
        item_in_session,
        user_id,
        ts
    from event_lines
    where reason is null
        and {{ claim() }} = 'hour'
),

hour_keys as (
    select distinct
        session_id,
        item_in_session,
        user_id,
        ts
    from hour_events
),

staged_copies as (
    select
        staged.source_key,
        staged.source_line,
        staged.session_id,
        staged.item_in_session,
        staged.user_id,
        staged.ts
    from staging_events as staged
    inner join hour_keys
        on staged.session_id = hour_keys.session_id
        and staged.item_in_session = hour_keys.item_in_session
        and staged.user_id = hour_keys.user_id
        and staged.ts = hour_keys.ts
    where staged.batch_hour = %(data_interval_start)s
),

all_copies as (
    select
        0 as placed_before,
        record_no,
        source_key,
        source_line,
        session_id,
        item_in_session,
        user_id,
        ts
    from hour_events
    union all
    select
        1 as placed_before,
        null as record_no,
        source_key,
        source_line,
        session_id,
        item_in_session,
        user_id,
        ts
    from staged_copies
),

repeated as (
    select
        session_id,
        item_in_session,
        user_id,
        ts
    from all_copies
    group by session_id, item_in_session, user_id, ts
    having count(*) > 1
),

copies as (
    select
        all_copies.record_no,
        row_number() over (
            partition by all_copies.session_id, all_copies.item_in_session, all_copies.user_id, all_copies.ts
            order by all_copies.placed_before desc, all_copies.source_key, all_copies.source_line, all_copies.record_no
        ) as copy_no,
        first_value(all_copies.source_key) over (
            partition by all_copies.session_id, all_copies.item_in_session, all_copies.user_id, all_copies.ts
            order by all_copies.placed_before desc, all_copies.source_key, all_copies.source_line, all_copies.record_no
            rows between unbounded preceding and current row
        ) as first_source_key,
        first_value(all_copies.source_line) over (
            partition by all_copies.session_id, all_copies.item_in_session, all_copies.user_id, all_copies.ts
            order by all_copies.placed_before desc, all_copies.source_key, all_copies.source_line, all_copies.record_no
            rows between unbounded preceding and current row
        ) as first_source_line
    from all_copies
    inner join repeated
        on all_copies.session_id = repeated.session_id
        and all_copies.item_in_session = repeated.item_in_session
        and all_copies.user_id = repeated.user_id
        and all_copies.ts = repeated.ts
)

select
    record_no,
    'duplicate: the same event as ' || first_source_key || ' line ' || coalesce(first_source_line::varchar, '?') as reason
from copies
where copy_no > 1
    and record_no is not null;

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
from event_lines
where reason is null
    and {{ claim() }} = 'hour'
    and not exists (
        select 1
        from duplicate_events
        where duplicate_events.record_no = event_lines.record_no
    );

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
    event_lines.source_key,
    event_lines.source_line,
    event_lines.raw_line,
    case
        when event_lines.reason is not null then event_lines.reason
        when duplicate_events.reason is not null then duplicate_events.reason
        when event_lines.ts is null then 'no ts: the record cannot be placed in an hour'
        else 'outside its day: ts ' || event_lines.ts::varchar || ' is not on ' || %(day)s
    end
from event_lines
left join duplicate_events
    on event_lines.record_no = duplicate_events.record_no
where {{ claim() }} = 'none'
    or ({{ claim() }} = 'hour' and (event_lines.reason is not null or duplicate_events.reason is not null));
