-- Gates of concurrent hours decide about the same alerts one at a time.
lock alert_state;
