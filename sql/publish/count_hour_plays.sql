-- The hour's NextSong events in staging, plays in audit and plays already published:
-- publish refuses to replace the published hour with nothing when staging has plays
-- but audit has none (published already, or never built), or when neither has any
-- but the published hour does (its source object vanished or is empty on a rerun).
select
    (
        select count(*)
        from staging_events
        where batch_hour = %(data_interval_start)s
            and page = 'NextSong'
    ) as staged_plays,
    (
        select count(*)
        from audit_songplays
        where batch_hour = %(data_interval_start)s
    ) as audited_plays,
    (
        select count(*)
        from songplays
        where start_time >= %(data_interval_start)s
            and start_time < %(data_interval_end)s
    ) as published_plays;
