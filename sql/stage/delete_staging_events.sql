delete from staging_events
where batch_hour = %(data_interval_start)s;
