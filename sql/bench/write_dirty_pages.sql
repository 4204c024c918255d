-- ./sparkify bench: before a timed load, the server's changed pages are written out.
checkpoint;
