-- ./sparkify bench: before staging the hour again, staging_events as the first staging
-- found it (a rerun would first delete the hour's million rows, work the first run had not).
truncate staging_events;
