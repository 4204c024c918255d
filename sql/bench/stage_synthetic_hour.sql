-- ./sparkify bench: as many valid NextSong-heavy events spread over one hour of
-- staging_events as asked for (1 in 5 is a Home page view), with 1,000 users and 20,000 songs.
insert into staging_events (
    artist, auth, first_name, gender, item_in_session, last_name, length, level, location, method,
    page, registration, session_id, song, status, ts, user_agent, user_id, batch_hour, source_key, source_line
)
select
    'Artist ' || (mod(n, 5000)),
    'Logged In',
    'First' || (mod(n, 1000)),
    case when mod(n, 2) = 0 then 'F' else 'M' end,
    mod(n, 100),
    'Last' || (mod(n, 1000)),
    200.0 + (mod(n, 100)),
    case when mod(n, 3) = 0 then 'paid' else 'free' end,
    'Springfield, ST',
    'PUT',
    case when mod(n, 5) = 0 then 'Home' else 'NextSong' end,
    1540000000000.0,
    n / 100,
    'Song ' || (mod(n, 20000)),
    200,
    cast(%(hour)s as timestamp) + n * (interval '1 hour' / %(events)s),
    'Mozilla/5.0',
    cast(mod(n, 1000) as varchar),
    %(hour)s,
    'bench',
    n
from generate_series(0, %(events)s - 1) as n;
