-- ./sparkify bench: after staging the hour, what autovacuum would otherwise do during the
-- next timed load (it vacuums a table a million rows bigger within its minute's nap).
vacuum analyze staging_events;
