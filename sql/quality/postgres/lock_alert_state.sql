-- Gates of concurrent hours decide about the same alerts one at a time.
lock table alert_state in share row exclusive mode;
