"""The synthetic dataset: seeded, in the Sparkify layout, and able to play the songs of a
catalogue already in the bucket (the bench's hour plays the real one)."""

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sparkify_lab import datagen

HOUR = datetime(2018, 11, 20, 10, tzinfo=timezone.utc)
NEXT_HOUR = HOUR + timedelta(hours=1)


def _events(folder: Path) -> list[dict]:
    [day] = (folder / "log_data").rglob("*.json")
    return [json.loads(line) for line in day.read_text().splitlines()]


def test_the_same_seed_writes_the_same_files(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    for out in (first, second):
        datagen.generate(out, HOUR, NEXT_HOUR, events_per_hour=500, songs=30, users=20, whole_days=False)
    files = sorted(path.relative_to(first) for path in first.rglob("*.json"))
    assert len(files) == 32  # 30 song objects, the day's events, the JSONPaths file
    assert [(second / f).read_bytes() for f in files] == [(first / f).read_bytes() for f in files]


def test_events_play_a_given_catalogue_and_write_no_song_object(tmp_path, real_data):
    catalogue = datagen.read_catalogue(real_data / "song_data")
    assert len(catalogue) == 14_896

    datagen.generate(
        tmp_path, HOUR, NEXT_HOUR, events_per_hour=2_000, users=50, whole_days=False, catalogue=catalogue
    )  # fmt: skip

    assert list((tmp_path / "song_data").iterdir()) == []
    events = _events(tmp_path)
    assert {e["ts"] // 3_600_000 for e in events} == {int(HOUR.timestamp()) // 3600}
    known = {(str(song.title), str(song.artist_name), song.duration) for song in catalogue}
    plays = [e for e in events if e["page"] == "NextSong"]
    matched = [e for e in plays if (e["song"], e["artist"], e["length"]) in known]
    # Some plays are of songs the catalogue lacks, as in the real logs.
    assert 0 < len(matched) < len(plays)
