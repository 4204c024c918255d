delete from alert_state
where suite = %(suite)s
    and expectation_id = %(expectation_id)s;
