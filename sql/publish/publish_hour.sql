-- Publishes the run's audited hour: the only writes to the tables analysts query, all
-- in one transaction (after sql/publish/<backend>/lock_published.sql). Publishing the
-- same audited rows again changes nothing; once they are cleared below, the guard in
-- count_hour_plays.sql makes a second publish of the hour fail instead of emptying it.

-- The fact and the time rows of its plays belong to the hour: replaced, so rows that a
-- corrected hour no longer has do not linger.
delete from songplays
where start_time >= %(data_interval_start)s
    and start_time < %(data_interval_end)s;

insert into songplays (
    songplay_id,
    start_time,
    user_id,
    level,
    song_id,
    artist_id,
    session_id,
    location,
    user_agent
)
select
    songplay_id,
    start_time,
    user_id,
    level,
    song_id,
    artist_id,
    session_id,
    location,
    user_agent
from audit_songplays
where batch_hour = %(data_interval_start)s;

delete from time
where start_time >= %(data_interval_start)s
    and start_time < %(data_interval_end)s;

insert into time (
    start_time,
    hour,
    day,
    week,
    month,
    year,
    weekday
)
select
    start_time,
    hour,
    day,
    week,
    month,
    year,
    weekday
from audit_time
where batch_hour = %(data_interval_start)s;

-- users hold each user's latest state by event time: a published row gives way only to
-- an audited one at least as recent, so publishing hours out of order never rolls a
-- user back.
delete from users
using audit_users
where audit_users.batch_hour = %(data_interval_start)s
    and users.user_id = audit_users.user_id
    and users.last_event_at <= audit_users.last_event_at;

insert into users (
    user_id,
    first_name,
    last_name,
    gender,
    level,
    last_event_at
)
select
    audited.user_id,
    audited.first_name,
    audited.last_name,
    audited.gender,
    audited.level,
    audited.last_event_at
from audit_users as audited
where audited.batch_hour = %(data_interval_start)s
    and not exists (
        select 1
        from users
        where users.user_id = audited.user_id
    );

-- songs and artists take the audited values of what the hour staged.
delete from songs
using audit_songs
where audit_songs.batch_hour = %(data_interval_start)s
    and songs.song_id = audit_songs.song_id;

insert into songs (
    song_id,
    title,
    artist_id,
    year,
    duration
)
select
    song_id,
    title,
    artist_id,
    year,
    duration
from audit_songs
where batch_hour = %(data_interval_start)s;

delete from artists
using audit_artists
where audit_artists.batch_hour = %(data_interval_start)s
    and artists.artist_id = audit_artists.artist_id;

insert into artists (
    artist_id,
    name,
    location,
    latitude,
    longitude
)
select
    artist_id,
    name,
    location,
    latitude,
    longitude
from audit_artists
where batch_hour = %(data_interval_start)s;

-- The hour is published: its audit rows have served.
delete from audit_songplays
where batch_hour = %(data_interval_start)s;

delete from audit_time
where batch_hour = %(data_interval_start)s;

delete from audit_users
where batch_hour = %(data_interval_start)s;

delete from audit_songs
where batch_hour = %(data_interval_start)s;

delete from audit_artists
where batch_hour = %(data_interval_start)s;
