-- For the reconciliation gate's message: the first quarantined record of the hour's worst
-- object, the kind of its fault, and how much of the hour was quarantined. Only the kind
-- (the reason up to its colon): the detail may quote the record's values, which stay in
-- the table quarantine, out of alerts and logs.
select max(detail) as detail
from (
    select
        'worst: ' || worst_source_key
        || coalesce(' line ' || worst_source_line::varchar, '')
        || ': ' || split_part(worst_reason, ':', 1)
        || ' (' || quarantined::varchar || ' records quarantined, '
        || round((100 * quarantined_share)::numeric, 1)::varchar || '%% of the hour, at most '
        || round((100 * max_quarantined_share)::numeric, 1)::varchar || '%% allowed)' as detail
    from stage_reconciliation
    where batch_hour = %(data_interval_start)s
        and worst_source_key is not null
    order by quarantined_share desc, stage
    limit 1
) as worst;
