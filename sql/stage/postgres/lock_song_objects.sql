-- One song stage at a time (this mode conflicts with itself): two hours must not both
-- stage the same new objects.
lock table staging_song_objects in share row exclusive mode;
