-- The expectation failed again at batch_hour (a backfill may run an earlier hour later).
update alert_state
set first_failed_hour = least(first_failed_hour, %(batch_hour)s),
    last_failed_hour = greatest(last_failed_hour, %(batch_hour)s),
    notified_hour = %(notified_hour)s
where suite = %(suite)s
    and expectation_id = %(expectation_id)s;
