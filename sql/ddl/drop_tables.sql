-- ./sparkify reset (local warehouse only): the next run recreates everything.
drop table if exists staging_events, staging_songs, staging_song_objects, songplays, users, songs, artists, time;
drop type if exists event_record, song_record;
