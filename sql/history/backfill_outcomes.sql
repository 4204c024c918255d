-- Each hour a backfill's runs handled: its status and events staged (./sparkify backfill).
select
    batch_hour,
    status,
    events_staged
from run_history
where run_id = any(%(run_ids)s);
