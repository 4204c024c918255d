-- ./sparkify bench: before each timed load, the pages the one before changed are written
-- out, so no load pays for writing another's (each writes about a gigabyte).
checkpoint;
