-- The latest runs of the hourly DAG, newest hour first (./sparkify runs).
select
    batch_hour,
    run_id,
    status,
    events_read,
    events_staged,
    events_quarantined,
    songs_staged,
    songs_quarantined,
    songplays_published,
    users_published,
    staging_gate,
    warehouse_gate,
    task_seconds,
    blocked_by,
    data_docs_url
from run_history
order by batch_hour desc, finished_at desc
limit %(limit)s;
