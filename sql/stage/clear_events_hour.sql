-- The run's hour, emptied before its objects are read: a rerun replaces its staged rows,
-- its quarantined records and its balance, and nothing else.
delete from staging_events
where batch_hour = %(data_interval_start)s;

delete from quarantine
where stage = 'events'
    and batch_hour = %(data_interval_start)s;

delete from stage_reconciliation
where stage = 'events'
    and batch_hour = %(data_interval_start)s;
