-- Each hour of a backfill's runs: its status and events staged (./sparkify backfill).
select
    batch_hour,
    status,
    events_staged
from run_history
where run_id like 'backfill__%%'
    and batch_hour >= %(start)s
    and batch_hour < %(end)s
    and finished_at >= %(since)s;
