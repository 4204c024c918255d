-- Expects the temp tables of this transaction: new_songs (the songs parsed, with their
-- object where the backend knows it), rejected_songs (objects or records that could
-- not be parsed, with the reason) and new_song_objects (every object read). A song
-- without its id cannot be staged and is quarantined too. Objects read are recorded
-- with their ETag whatever became of them, so an unchanged bad object is not read
-- again; its quarantine rows stay until it changes.
insert into rejected_songs (
    source_key,
    raw_line,
    reason
)
select
    coalesce(source_key, %(source)s),
    raw_line,
    'no song_id: a song cannot be staged without its id'
from new_songs
where song_id is null
    or song_id = '';

delete from staging_songs
using new_songs
where staging_songs.song_id = new_songs.song_id;

insert into staging_songs (
    song_id,
    num_songs,
    title,
    artist_id,
    artist_name,
    artist_location,
    artist_latitude,
    artist_longitude,
    duration,
    year,
    batch_hour
)
select
    song_id,
    num_songs,
    title,
    artist_id,
    artist_name,
    artist_location,
    artist_latitude,
    artist_longitude,
    duration,
    year,
    %(data_interval_start)s
from new_songs
where song_id <> '';

delete from quarantine
using new_song_objects
where quarantine.stage = 'songs'
    and quarantine.source_key = new_song_objects.source_key;

insert into quarantine (
    batch_hour,
    stage,
    source_key,
    source_line,
    raw_line,
    reason
)
select
    %(data_interval_start)s,
    'songs',
    source_key,
    1,
    raw_line,
    reason
from rejected_songs;

insert into stage_reconciliation (
    batch_hour,
    stage,
    source,
    objects_read,
    records_read,
    staged,
    quarantined,
    other_hours,
    quarantined_share,
    max_quarantined_share,
    worst_source_key,
    worst_source_line,
    worst_reason,
    new_fields
)
with tally as (
    select
        (select count(*) from new_song_objects) as objects_read,
        (select count(*) from new_songs where song_id <> '') as staged,
        (select count(*) from rejected_songs) as quarantined
),

worst as (
    select
        source_key,
        reason
    from rejected_songs
    order by source_key
    limit 1
)

select
    %(data_interval_start)s,
    'songs',
    %(source)s,
    tally.objects_read,
    tally.staged + tally.quarantined,
    tally.staged,
    tally.quarantined,
    0,
    case
        when tally.staged + tally.quarantined = 0 then 0
        else tally.quarantined::double precision / (tally.staged + tally.quarantined)
    end,
    %(max_quarantined_share)s,
    worst.source_key,
    case when worst.source_key is not null then 1 end,
    worst.reason,
    null
from tally
left join worst on 1 = 1;

delete from staging_song_objects
using new_song_objects
where staging_song_objects.source_key = new_song_objects.source_key;

insert into staging_song_objects (
    source_key,
    source_etag,
    batch_hour
)
select
    source_key,
    source_etag,
    %(data_interval_start)s
from new_song_objects;
