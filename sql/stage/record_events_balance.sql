-- The balance of the run, after sql/stage/place_events.sql placed the records of the temp
-- table event_lines: what was read (event_lines and the reader's own counts: records it
-- staged, records it left to other hours) against where it went, into stage_reconciliation.
{% from "stage/event_claim.sql" import claim %}
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
        count(*) + %(reader_staged)s + %(reader_other_hours)s as records_read,
        coalesce(sum(case when {{ claim() }} = 'hour' then 1 else 0 end), 0) + %(reader_staged)s as in_hour,
        coalesce(sum(case when {{ claim() }} = 'none' then 1 else 0 end), 0) as unplaceable,
        coalesce(sum(case when {{ claim() }} = 'other' then 1 else 0 end), 0) + %(reader_other_hours)s as other_hours
    from event_lines
),

quarantined as (
    select count(*) as records
    from quarantine
    where stage = 'events'
        and batch_hour = %(data_interval_start)s
),

-- The object with the most quarantined records and its first one.
quarantined_by_object as (
    select
        source_key,
        source_line,
        reason,
        count(*) over (partition by source_key) as in_object
    from quarantine
    where stage = 'events'
        and batch_hour = %(data_interval_start)s
),

worst as (
    select
        source_key,
        source_line,
        reason
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
    -- The rows the server reports writing to staging_events (the COPY's and the
    -- placement's INSERT's), so the balance checks the placement and the reader, not itself.
    %(staged)s,
    quarantined.records,
    tally.other_hours,
    -- The worse of: the hour's own records quarantined, and the records no hour can
    -- claim among all read (a bad line in a day object is not held against each hour
    -- of the day as if it were one of that hour's few records).
    greatest(
        case
            when tally.in_hour = 0 then 0
            else (quarantined.records - tally.unplaceable)::double precision / tally.in_hour
        end,
        case
            when tally.records_read = 0 then 0
            else tally.unplaceable::double precision / tally.records_read
        end
    ),
    %(max_quarantined_share)s,
    worst.source_key,
    worst.source_line,
    worst.reason,
    nullif(%(new_fields)s, '')
from tally
cross join quarantined
left join worst on 1 = 1;
