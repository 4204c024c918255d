-- ./sparkify bench: staging_events as the bench's first staging of the hour found it
-- (empty), so each repeat stages the hour into the same table.
truncate staging_events;
