-- ./sparkify reset (local warehouse only): the next run recreates everything.
drop view if exists run_history;
drop table if exists
    staging_events, staging_songs, staging_song_objects, quarantine, stage_reconciliation,
    songplays, users, songs, artists, time,
    audit_songplays, audit_users, audit_songs, audit_artists, audit_time,
    daily_plays_by_level, run_steps, validation_results, alert_state;
drop type if exists event_record, song_record;
