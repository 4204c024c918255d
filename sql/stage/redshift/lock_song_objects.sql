-- Redshift only: one song stage at a time; two hours must not both stage the same new objects.
lock staging_song_objects;
