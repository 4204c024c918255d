-- One publish at a time; Redshift's LOCK has no modes, so readers wait the few seconds too.
lock songplays, users, songs, artists, time;
