-- ./sparkify bench: after the year is copied in, what autovacuum would otherwise do during
-- the runs measured next (a year accumulates an hour at a time, its upkeep spread out).
vacuum analyze validation_results;
