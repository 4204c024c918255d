-- One publish at a time (this mode conflicts with itself), while analysts keep reading.
lock table songplays, users, songs, artists, time in share row exclusive mode;
