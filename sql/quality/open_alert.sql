insert into alert_state (suite, expectation_id, first_failed_hour, last_failed_hour, notified_hour)
values (%(suite)s, %(expectation_id)s, %(batch_hour)s, %(batch_hour)s, %(batch_hour)s);
