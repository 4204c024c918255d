-- The hour's NextSong events in staging and plays in audit: publish refuses an hour
-- that has the first and not the second (published already, or never built), which
-- would otherwise replace the published hour with nothing.
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
    ) as audited_plays;
