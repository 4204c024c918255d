-- For the reconciliation gate's message: the hour's worst source, the first quarantined
-- record of its worst object, and how much of the hour was quarantined.
select max(detail) as detail
from (
    select
        'worst: ' || worst_source_key
        || coalesce(' line ' || worst_source_line::varchar, '')
        || ': ' || worst_reason
        || ' (' || quarantined::varchar || ' of ' || (staged + quarantined)::varchar
        || ' records of the hour quarantined, at most '
        || round((100 * max_quarantined_share)::numeric, 1)::varchar || '%% allowed)' as detail
    from stage_reconciliation
    where batch_hour = %(data_interval_start)s
        and worst_source_key is not null
    order by quarantined_share desc, stage
    limit 1
) as worst;
