-- ./sparkify bench: before each timed load, the pages the one before changed are written
-- out (each writes about a gigabyte), and then the machine's (os.sync), so no load pays
-- for writing another's.
checkpoint;
