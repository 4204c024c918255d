"""A deterministic synthetic dataset in the Sparkify layout, for machines without the
real one: ``song_data/A/B/C/TR....json``, ``log_data/YYYY/MM/YYYY-MM-DD-events.json``
and ``log_json_path.json``.

Distributions follow the real November 2018 logs (pages, levels, methods, statuses,
logged-out share, user agents) and the real song quirks (numbers where strings
belong, year 0, missing coordinates, artists with several names, escaped slashes,
no newline at the end of a file).
"""

from __future__ import annotations

import json
import random
import string
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

JSONPATHS = [
    "artist", "auth", "firstName", "gender", "itemInSession", "lastName", "length", "level", "location",
    "method", "page", "registration", "sessionId", "song", "status", "ts", "userAgent", "userId",
]  # fmt: skip

# Page counts of the logged-in events of the real logs.
PAGE_WEIGHTS = {
    "NextSong": 6820, "Home": 700, "Downgrade": 60, "Settings": 56, "Help": 40, "About": 30, "Logout": 90,
    "Upgrade": 21, "Save Settings": 10, "Error": 9, "Submit Upgrade": 8, "Submit Downgrade": 1,
}  # fmt: skip
LOGGED_OUT_PAGES = {"Home": 106, "Login": 92, "About": 6, "Help": 7}
LOGGED_OUT_SHARE = 286 / 8056
PAID_SHARE = 6291 / 8056
# Songs a play names that are in the catalogue (the rest are unknown to it, as in the real data).
MATCHED_PLAY_SHARE = 0.3
USER_AGENTS = [
    '"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_4) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/36.0.1985.143 Safari/537.36"',
    '"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_4) AppleWebKit/537.78.2 (KHTML, like Gecko) Version/7.0.6 Safari/537.78.2"',
    "Mozilla/5.0 (Windows NT 5.1; rv:31.0) Gecko/20100101 Firefox/31.0",
    '"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Ubuntu Chromium/36.0.1985.125 Chrome/36.0.1985.125 Safari/537.36"',
    '"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/37.0.2062.94 Safari/537.36"',
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.9; rv:31.0) Gecko/20100101 Firefox/31.0",
]
FIRST_NAMES = ["Ryan", "Lily", "Chloe", "Jacob", "Kate", "Aleena", "Jayden", "Tegan", "Mohammad", "Ava", "Zoë", "Renée"]
LAST_NAMES = ["Smith", "Koch", "Cuevas", "Klein", "Harrell", "Kirby", "Graves", "Levine", "Rodriguez", "Nuñez"]
LOCATIONS = [
    "San Jose-Sunnyvale-Santa Clara, CA",
    "Chicago-Naperville-Elgin, IL-IN-WI",
    "New York-Newark-Jersey City, NY-NJ-PA",
    "Lansing-East Lansing, MI",
    "Atlanta-Sandy Springs-Roswell, GA",
    "San Francisco-Oakland-Hayward, CA",
]
WORDS = ["Love", "Night", "Blue", "Fire", "Dance", "Road", "Heart", "Sky", "Dream", "Río", "Café", "Über", "Rain"]


@dataclass(frozen=True)
class Song:
    song_id: str
    title: str | int
    artist_id: str
    artist_name: str | int
    artist_location: str
    latitude: float | None
    longitude: float | None
    duration: float
    year: int


def _song_key(rng: random.Random) -> tuple[str, str]:
    letters = "".join(rng.choices(string.ascii_uppercase, k=2))
    track_id = "TRA" + letters + "".join(rng.choices(string.ascii_uppercase + string.digits, k=13))
    return track_id, f"song_data/A/{letters[0]}/{letters[1]}/{track_id}.json"


def make_songs(rng: random.Random, count: int) -> list[tuple[str, Song]]:
    artists = []
    for n in range(max(1, count // 2)):
        artist_id = "AR" + "".join(rng.choices(string.ascii_uppercase + string.digits, k=16))
        name = f"{rng.choice(WORDS)} {rng.choice(WORDS)}s {n}"
        has_coordinates = rng.random() < 0.4
        artists.append(
            (
                artist_id,
                name,
                rng.choice(LOCATIONS + [""]),
                round(rng.uniform(-40, 60), 5) if has_coordinates else None,
                round(rng.uniform(-120, 30), 5) if has_coordinates else None,
            )
        )
    songs = []
    for n in range(count):
        artist_id, name, location, lat, lon = rng.choice(artists)
        if rng.random() < 0.03:  # artist_ids with more than one name, as in the real catalogue
            name = f"{name} feat. {rng.choice(FIRST_NAMES)}"
        title: str | int = f"{rng.choice(WORDS)} {rng.choice(WORDS)} {n}"
        if rng.random() < 0.01:  # JSON numbers where strings belong
            title = rng.randint(1, 2000)
        song_id = "SO" + "".join(rng.choices(string.ascii_uppercase + string.digits, k=16))
        _, key = _song_key(rng)
        year = 0 if rng.random() < 1 / 3 else rng.randint(1960, 2010)
        duration = round(rng.uniform(90, 420), 5)
        songs.append((key, Song(song_id, title, artist_id, name, location, lat, lon, duration, year)))
    return songs


def read_catalogue(song_dir: Path) -> list[Song]:
    """The songs of a catalogue already in the Sparkify layout (the real one), for
    events that play them."""
    songs = []
    for path in sorted(song_dir.rglob("*.json")):
        song = json.loads(path.read_bytes())
        songs.append(
            Song(
                song["song_id"], song["title"], song["artist_id"], song["artist_name"], song["artist_location"],
                song["artist_latitude"], song["artist_longitude"], song["duration"], song["year"],
            )
        )  # fmt: skip
    return songs


def _dump(obj: dict) -> str:
    # The real files are compact, with sorted keys and escaped slashes.
    return json.dumps(obj, separators=(",", ":"), sort_keys=True, ensure_ascii=True).replace("/", "\\/")


def song_object(song: Song) -> str:
    return _dump(
        {
            "artist_id": song.artist_id,
            "artist_latitude": song.latitude,
            "artist_location": song.artist_location,
            "artist_longitude": song.longitude,
            "artist_name": song.artist_name,
            "duration": song.duration,
            "num_songs": 1,
            "song_id": song.song_id,
            "title": song.title,
            "year": song.year,
        }
    )


@dataclass
class _User:
    user_id: str
    first_name: str
    last_name: str
    gender: str
    location: str
    user_agent: str
    registration: float
    level: str


def _make_users(rng: random.Random, count: int) -> list[_User]:
    return [
        _User(
            user_id=str(n + 2),
            first_name=rng.choice(FIRST_NAMES),
            last_name=rng.choice(LAST_NAMES),
            gender=rng.choice("MF"),
            location=rng.choice(LOCATIONS),
            user_agent=rng.choice(USER_AGENTS),
            registration=float(1540000000000 + rng.randint(0, 10**9)),
            level="paid" if rng.random() < PAID_SHARE else "free",
        )
        for n in range(count)
    ]


def hour_events(
    rng: random.Random, hour: datetime, count: int, users: list[_User], songs: list[Song], session_base: int
) -> list[dict]:
    """About ``count`` events inside ``hour``, in sessions of a few users."""
    start_ms = int(hour.timestamp() * 1000)
    pages, page_weights = zip(*PAGE_WEIGHTS.items())
    out_pages, out_weights = zip(*LOGGED_OUT_PAGES.items())
    events = []
    session_id = session_base
    while len(events) < count:
        session_id += 1
        user = rng.choice(users)
        ts = start_ms + rng.randint(0, 3_000_000)
        for item in range(rng.randint(1, 40)):
            if len(events) >= count or ts >= start_ms + 3_600_000:
                break
            logged_out = rng.random() < LOGGED_OUT_SHARE
            page = rng.choices(out_pages if logged_out else pages, out_weights if logged_out else page_weights)[0]
            event = {
                "artist": None, "auth": "Logged Out" if logged_out else "Logged In", "firstName": None,
                "gender": None, "itemInSession": item, "lastName": None, "length": None, "level": user.level,
                "location": None, "method": "GET" if page in ("Home", "About", "Help", "Settings") else "PUT",
                "page": page, "registration": None, "sessionId": session_id, "song": None,
                "status": 307 if page in ("Logout", "Submit Upgrade", "Submit Downgrade", "Login") else 200,
                "ts": ts, "userAgent": user.user_agent, "userId": "",
            }  # fmt: skip
            if page == "Error":
                event["status"] = 404
            if not logged_out:
                event.update(
                    firstName=user.first_name,
                    lastName=user.last_name,
                    gender=user.gender,
                    location=user.location,
                    registration=user.registration,
                    userId=user.user_id,
                )
            if page == "NextSong":
                if rng.random() < MATCHED_PLAY_SHARE:
                    song = rng.choice(songs)
                    event.update(artist=str(song.artist_name), song=str(song.title), length=song.duration)
                else:
                    event.update(
                        artist=f"{rng.choice(WORDS)} Band", song=f"{rng.choice(WORDS)} Song", length=round(rng.uniform(60, 500), 5)
                    )
            if page in ("Submit Upgrade", "Submit Downgrade"):
                user.level = "paid" if page == "Submit Upgrade" else "free"
            events.append(event)
            ts += rng.randint(1000, 300_000)
    return events


def generate(
    out: Path,
    start: datetime,
    end: datetime,
    *,
    events_per_hour: int = 300,
    songs: int = 500,
    users: int = 60,
    seed: int = 2018,
    whole_days: bool = True,
    catalogue: list[Song] | None = None,
) -> Path:
    """Writes the dataset for the hours [start, end) into ``out``: the whole days they
    fall in, or with ``whole_days`` false those hours only (the benchmark's big hour).

    Events play ``songs`` new songs written beside them, or with ``catalogue`` given the
    songs of a catalogue already in the bucket, and song_data/ stays empty."""
    rng = random.Random(seed)
    (out / "song_data").mkdir(parents=True, exist_ok=True)
    if catalogue is None:
        written = make_songs(rng, songs)
        for key, song in written:
            path = out / key
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(song_object(song))
        catalogue = [song for _, song in written]
    (out / "log_json_path.json").write_text(json.dumps({"jsonpaths": [f"$['{p}']" for p in JSONPATHS]}, indent=4))
    people = _make_users(rng, users)
    day = start.astimezone(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    session_base = 0
    while day < end:
        lines = []
        for h in range(24):
            hour = day + timedelta(hours=h)
            if not whole_days and not start <= hour < end:
                continue
            events = hour_events(rng, hour, events_per_hour, people, catalogue, session_base)
            session_base += len(events)
            lines.extend(_dump(e) for e in sorted(events, key=lambda e: e["ts"]))
        path = out / f"log_data/{day:%Y/%m}/{day:%Y-%m-%d}-events.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines))
        day += timedelta(days=1)
    return out
