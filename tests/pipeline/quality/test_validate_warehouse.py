"""The warehouse gate (write-audit-publish): real GX checkpoints from gx/ run on the
hour's audit tables on the real local PostgreSQL. Each critical expectation family is
broken by tampering with one audit row after the build; the gate must name it and the
published tables must stay exactly as they were (equal fingerprints)."""

from __future__ import annotations

import pytest
from great_expectations_provider.common.errors import GXValidationFailed
from helpers import (
    HOUR,
    TEST_DAY_KEY,
    TEST_HOUR,
    event,
    event_lines,
    ms,
    put,
    put_songs,
    rows,
    run_hour_in_process,
    song,
)

from sparkify_lab.warehouse_admin import fingerprints, run_query

pytestmark = pytest.mark.integration

EARLIER, H = TEST_HOUR - HOUR, TEST_HOUR


def plays(hour, user_id: str, count: int = 6, session: int = 1) -> list[dict]:
    return [
        event(ms(hour, n), user_id, itemInSession=n, sessionId=session, song="Title SOONE", artist="Artist SOONE")
        for n in range(count)
    ]


@pytest.fixture
def published_hour(one_song):
    """The earlier hour published; hour H staged with a new user and a new song, ready to build."""
    put(one_song, TEST_DAY_KEY, event_lines(plays(EARLIER, "7") + plays(H, "8", session=2)))
    run_hour_in_process(EARLIER)
    put_songs(one_song, [song("SOTWO")])
    return one_song


def run_tampered_hour(stack, tamper_sql: str) -> None:
    run_hour_in_process(H, before_warehouse_gate=lambda: run_query(stack, tamper_sql))


def test_a_clean_hour_passes_every_gate_and_is_published(published_hour):
    before = fingerprints(published_hour)

    run_hour_in_process(H)

    assert rows(published_hour, "select count(*) from songplays where user_id = '8'") == [(6,)]
    assert rows(published_hour, "select song_id from songs order by 1") == [("SOONE",), ("SOTWO",)]
    assert fingerprints(published_hour) != before
    audit_rows = " union all ".join(f"select count(*) from audit_{t}" for t in ("songplays", "users", "songs", "artists", "time"))
    assert {n for (n,) in rows(published_hour, audit_rows)} == {0}


@pytest.mark.parametrize(
    ("tamper_sql", "failed"),
    [
        # songplays
        (
            "update audit_songplays set songplay_id = (select min(songplay_id) from audit_songplays)",
            "expect_column_values_to_be_unique (songplay_id)",
        ),
        ("update audit_songplays set level = 'gold'", "expect_column_values_to_be_in_set (level)"),
        (
            "update audit_songplays set start_time = start_time + interval '2 hours'",
            "expect_column_values_to_be_between (start_time)",
        ),
        (
            "delete from audit_songplays where songplay_id = (select min(songplay_id) from audit_songplays)",
            "expect_table_row_count_to_equal (The hour has exactly one play per NextSong event staged for it",
        ),
        ("delete from audit_users", "unexpected_rows_expectation (Every play's user_id is a published user"),
        (
            "delete from audit_time where start_time = (select min(start_time) from audit_time)",
            "unexpected_rows_expectation (The hour's time rows are exactly its plays' start times",
        ),
        (
            "insert into audit_time select start_time + interval '1 millisecond', hour, day, week, month, year, weekday,"
            " batch_hour from audit_time where start_time = (select min(start_time) from audit_time)",
            "unexpected_rows_expectation (The hour's time rows are exactly its plays' start times",
        ),
        (
            "update audit_songplays set song_id = 'SOGHOST'",
            "unexpected_rows_expectation (Every play's song_id (when it matched a song) is a published song",
        ),
        # users
        ("update audit_users set level = 'gold'", "expect_column_values_to_be_in_set (level)"),
        (
            "insert into audit_users select * from audit_users",
            "expect_column_values_to_be_unique (user_id)",
        ),
        (
            "update audit_users set last_event_at = last_event_at - interval '3 hours'",
            "unexpected_rows_expectation (Every user's state comes from an event inside the run's hour",
        ),
        # songs and artists
        ("update audit_songs set duration = 0", "expect_column_values_to_be_between (duration)"),
        ("update audit_songs set year = 1700", "unexpected_rows_expectation (year is 0 or absent (unknown), or between 1900 and 2030"),
        (
            "update audit_songs set artist_id = 'ARGHOST'",
            "unexpected_rows_expectation (Every song's artist_id is a published artist",
        ),
        ("update audit_artists set latitude = 123.0", "expect_column_values_to_be_between (latitude)"),
        ("update audit_artists set name = null", "expect_column_values_to_not_be_null (name)"),
        # time
        (
            "update audit_time set weekday = (weekday + 1) % 7",
            "unexpected_rows_expectation (hour, day, week, month, year and weekday agree with start_time",
        ),
        (
            "update audit_time set start_time = start_time + interval '2 hours'",
            "expect_column_values_to_be_between (start_time)",
        ),
        (
            "insert into audit_time select * from audit_time",
            "expect_column_values_to_be_unique (start_time)",
        ),
        # With no plays the songplays suite has nothing to validate; the time suite still
        # refuses time rows of an hour without plays.
        (
            "delete from audit_songplays",
            "unexpected_rows_expectation (The hour's time rows come with its plays",
        ),
    ],
)
def test_a_critical_failure_blocks_the_hour_and_leaves_published_tables_unchanged(
    published_hour, capsys, tamper_sql, failed
):
    before = fingerprints(published_hour)

    with pytest.raises(GXValidationFailed):
        run_tampered_hour(published_hour, tamper_sql)

    assert f"FAILED [critical] {failed}" in capsys.readouterr().out
    assert fingerprints(published_hour) == before


def test_rerunning_a_blocked_hour_after_the_fix_publishes_it(published_hour):
    with pytest.raises(GXValidationFailed):
        run_tampered_hour(published_hour, "update audit_songplays set level = 'gold'")

    run_hour_in_process(H)

    assert rows(published_hour, "select count(*) from songplays where user_id = '8'") == [(6,)]
    assert rows(published_hour, "select count(*) from audit_songplays") == [(0,)]
