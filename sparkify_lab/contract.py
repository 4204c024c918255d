"""The warehouse contract (DESIGN.md §1) computed in plain Python from the raw JSON
files, independently of the pipeline's SQL: what the tests and the month benchmark
compare the warehouse with."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone
from pathlib import Path

EPOCH = datetime(1970, 1, 1)


def ts_to_timestamp(ms: int) -> datetime:
    return EPOCH + timedelta(milliseconds=ms)


def _events(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def day_events(data_dir: Path, day: datetime) -> list[dict]:
    return _events(data_dir / f"log_data/{day:%Y/%m}/{day:%Y-%m-%d}-events.json")


def month_events(data_dir: Path, month: datetime) -> list[dict]:
    """Every event of the month's day logs."""
    return [e for path in sorted((data_dir / f"log_data/{month:%Y/%m}").glob("*-events.json")) for e in _events(path)]


def hour_events(data_dir: Path, hour: datetime) -> list[dict]:
    start = int(hour.timestamp() * 1000)
    return [e for e in day_events(data_dir, hour) if start <= e["ts"] < start + 3_600_000]


def songs(data_dir: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted((data_dir / "song_data").rglob("*.json"))]


def _text(value) -> str | None:
    """JSON numbers where strings belong are kept as their text, as staging does."""
    if value is None:
        return None
    return value if isinstance(value, str) else json.dumps(value)


def expected_songplays(events: list[dict], catalogue: list[dict]) -> Counter:
    """(start_time, user_id, level, song_id, artist_id, session_id, location, user_agent) of each play."""
    matches: dict[tuple, tuple] = {}
    for song in sorted(catalogue, key=lambda s: s["song_id"]):
        key = (_text(song["title"]), _text(song["artist_name"]), song["duration"])
        matches.setdefault(key, (song["song_id"], song["artist_id"]))
    plays = Counter()
    for e in events:
        if e["page"] != "NextSong":
            continue
        song_id, artist_id = matches.get((e["song"], e["artist"], e["length"]), (None, None))
        plays[
            (ts_to_timestamp(e["ts"]), e["userId"], e["level"], song_id, artist_id, e["sessionId"], e["location"], e["userAgent"])
        ] += 1
    return plays


def expected_users(events: list[dict]) -> dict[str, tuple]:
    """user_id -> (first_name, last_name, gender, level) from the user's latest event."""
    latest: dict[str, dict] = {}
    for e in events:
        if e["userId"] == "":
            continue
        best = latest.get(e["userId"])
        if best is None or (e["ts"], e["itemInSession"]) > (best["ts"], best["itemInSession"]):
            latest[e["userId"]] = e
    return {u: (e["firstName"], e["lastName"], e["gender"], e["level"]) for u, e in latest.items()}


def expected_time(events: list[dict]) -> set[tuple]:
    rows = set()
    for e in events:
        if e["page"] != "NextSong":
            continue
        t = ts_to_timestamp(e["ts"])
        rows.add((t, t.hour, t.day, t.isocalendar().week, t.month, t.year, (t.weekday() + 1) % 7))
    return rows


def expected_songs(catalogue: list[dict]) -> dict[str, tuple]:
    """song_id -> (title, artist_id, year, duration): of the objects carrying one song_id,
    the one with the smallest artist_id, then title."""
    out: dict[str, tuple] = {}
    for song in sorted(catalogue, key=lambda s: (s["song_id"], s["artist_id"], _text(s["title"]))):
        out.setdefault(song["song_id"], (_text(song["title"]), song["artist_id"], song["year"], song["duration"]))
    return out


def expected_artists(catalogue: list[dict]) -> dict[str, tuple]:
    """artist_id -> (name, location, latitude, longitude): the name most of its songs carry,
    ties broken by the smallest song_id, and that song's location and coordinates."""
    by_artist = defaultdict(list)
    for song in catalogue:
        by_artist[song["artist_id"]].append(song)
    out = {}
    for artist_id, its_songs in by_artist.items():
        names = Counter(_text(s["artist_name"]) for s in its_songs)
        chosen = min(its_songs, key=lambda s: (-names[_text(s["artist_name"])], s["song_id"]))
        out[artist_id] = (
            _text(chosen["artist_name"]),
            _text(chosen["artist_location"]),
            chosen["artist_latitude"],
            chosen["artist_longitude"],
        )
    return out


def utc_hour(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)
