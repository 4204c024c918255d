select
    objects_read,
    records_read,
    staged,
    quarantined,
    other_hours,
    worst_source_key,
    worst_source_line,
    worst_reason,
    new_fields
from stage_reconciliation
where stage = 'events'
    and batch_hour = %(data_interval_start)s;
