"""The staging gate: real GX checkpoints from gx/, run by the GX provider's operator,
on the real local PostgreSQL. A critical failure stops the hour before any load."""

from __future__ import annotations

from datetime import timedelta
from urllib.request import urlopen

import pytest
from great_expectations_provider.common.errors import GXValidationFailed
from helpers import TEST_DAY_KEY, TEST_HOUR, event, event_lines, ms, put, rows, run_hour_in_process, song
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy.engine import Engine

from sparkify_lab.in_process import HourInProcess

pytestmark = pytest.mark.integration

H = TEST_HOUR
DAY_KEY = TEST_DAY_KEY


def a_good_hour(count: int = 6) -> list[dict]:
    return [event(ms(H, n), "7", itemInSession=n) for n in range(count)]


def test_a_clean_hour_passes_the_gate_and_is_loaded(one_song):
    put(one_song, DAY_KEY, event_lines(a_good_hour()))

    run_hour_in_process(H)

    assert rows(one_song, "select count(*) from songplays") == [(6,)]


def test_a_warning_only_hour_flows_on(one_song, capsys):
    put(one_song, DAY_KEY, event_lines(a_good_hour(2)))  # below the usual volume: a warning

    run_hour_in_process(H)

    assert rows(one_song, "select count(*) from songplays") == [(2,)]
    assert "FAILED [warning] expect_table_row_count_to_be_between" in capsys.readouterr().out


def test_an_hour_with_no_events_passes_without_validating(one_song, capsys):
    run_hour_in_process(H)

    assert "No staging_events rows for" in capsys.readouterr().out
    assert rows(one_song, "select count(*) from songplays") == [(0,)]


@pytest.mark.parametrize(
    ("bad_event", "failed"),
    [
        ({"level": "gold"}, "expect_column_values_to_be_in_set (level)"),
        ({"page": "Teleport"}, "expect_column_values_to_be_in_set (page)"),
        ({"userId": ""}, "unexpected_rows_expectation (Every NextSong event names its user"),
        ({"length": -3.0}, "unexpected_rows_expectation (Every NextSong event has a positive song length"),
        ({"length": None}, "unexpected_rows_expectation (Every NextSong event has a positive song length"),
        ({"page": None}, "expect_column_values_to_not_be_null (page)"),
    ],
)
def test_a_critical_failure_stops_the_hour_before_any_load(one_song, capsys, bad_event, failed):
    events = a_good_hour()
    events.append(event(ms(H, 30), "7", itemInSession=99, **bad_event))
    put(one_song, DAY_KEY, event_lines(events))

    with pytest.raises(GXValidationFailed):
        run_hour_in_process(H)

    assert f"FAILED [critical] {failed}" in capsys.readouterr().out
    assert rows(one_song, "select count(*) from songplays") == [(0,)]
    assert rows(one_song, "select count(*) from users") == [(0,)]


def test_the_gate_reads_the_staging_tables_for_its_hour_only(one_song):
    # An earlier hour's bad rows stay in staging_events (that hour was never validated).
    earlier = H - timedelta(hours=1)
    put(one_song, DAY_KEY, event_lines([event(ms(earlier, n), "7", itemInSession=n, level="gold") for n in range(3)] + a_good_hour()))
    HourInProcess(earlier).run_task("stage_events")
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(f"{statement} {parameters}")

    sqlalchemy_event.listen(Engine, "before_cursor_execute", record)
    try:
        run_hour_in_process(H)
    finally:
        sqlalchemy_event.remove(Engine, "before_cursor_execute", record)

    assert rows(one_song, "select count(*) from songplays") == [(6,)], "the earlier hour's rows did not fail this hour"
    reads = [s for s in statements if "from staging_events" in s.lower()]
    assert reads
    # GX's own SQL table asset lists every hour of the table to find the batch asked for.
    assert [s for s in reads if "2018-11-15 10:00:00" not in s] == []


def test_a_duplicate_event_that_reaches_staging_stops_the_hour(one_song, capsys):
    # The stage step quarantines duplicates (tests/pipeline/warehouse/test_bad_input.py); this is
    # the gate behind it, for rows that reach staging another way.
    put(one_song, DAY_KEY, event_lines(a_good_hour()))
    hour = HourInProcess(H)
    hour.run_task("stage_events")
    rows(one_song, "insert into staging_events select * from staging_events where item_in_session = 0")

    with pytest.raises(GXValidationFailed):
        hour.run_task("validate_staging")

    assert (
        "FAILED [critical] unexpected_rows_expectation (No event appears twice in the hour: no two rows share "
        "session_id, item_in_session, user_id and ts): unexpected 2" in capsys.readouterr().out
    )


def test_a_repeated_event_missing_a_key_field_stops_the_hour(one_song, capsys):
    # The stage step matches repeats by equal keys, and a missing sessionId equals
    # nothing: both copies reach staging, and the gate counts them as one event twice.
    repeated = event(ms(H, 30), "7", itemInSession=99, sessionId=None)
    put(one_song, DAY_KEY, event_lines([*a_good_hour(), repeated, repeated]))

    with pytest.raises(GXValidationFailed):
        run_hour_in_process(H)

    assert "FAILED [critical] unexpected_rows_expectation (No event appears twice in the hour" in capsys.readouterr().out
    assert rows(one_song, "select count(*) from songplays") == [(0,)]


def test_each_nextsong_check_counts_its_own_rows(one_song, capsys):
    # Both checks are counted in one query with the hour's row count
    # (sparkify.quality.expectations): each keeps its own count.
    events = a_good_hour()
    events += [event(ms(H, 40 + n), "7", itemInSession=40 + n, userId="") for n in range(2)]
    events += [event(ms(H, 50), "7", itemInSession=50, length=0.0), event(ms(H, 51), "7", itemInSession=51, page="Home", length=None)]
    put(one_song, DAY_KEY, event_lines(events))

    with pytest.raises(GXValidationFailed):
        run_hour_in_process(H)

    out = capsys.readouterr().out
    assert "FAILED [critical] unexpected_rows_expectation (Every NextSong event names its user (userId is not empty)): unexpected 2" in out
    assert "FAILED [critical] unexpected_rows_expectation (Every NextSong event has a positive song length): unexpected 1" in out


def test_a_song_with_an_empty_artist_id_stops_the_hour(one_song, capsys):
    put(one_song, "song_data/A/B/C/TRSONOARTIST.json", __import__("json").dumps(song("SONOARTIST", artist_id="")))
    put(one_song, DAY_KEY, event_lines(a_good_hour()))

    with pytest.raises(GXValidationFailed):
        run_hour_in_process(H)

    assert "FAILED [critical] unexpected_rows_expectation (Every song names its artist (artist_id is not empty)): unexpected 1" in (
        capsys.readouterr().out
    )
    assert rows(one_song, "select count(*) from artists where artist_id = ''") == [(0,)]


def test_a_duplicated_song_id_in_the_catalogue_stops_the_hour(one_song, capsys):
    put(one_song, "song_data/A/B/C/TRSOONECOPY.json", __import__("json").dumps(song("SOONE", title="Other")))
    put(one_song, DAY_KEY, event_lines(a_good_hour()))

    with pytest.raises(GXValidationFailed):
        run_hour_in_process(H)

    assert "FAILED [critical] expect_column_values_to_be_unique (song_id): unexpected 2" in capsys.readouterr().out


def test_a_failed_validation_has_its_data_docs_page(one_song, capsys):
    events = a_good_hour() + [event(ms(H, 30), "7", itemInSession=99, level="gold")]
    put(one_song, DAY_KEY, event_lines(events))

    with pytest.raises(GXValidationFailed):
        run_hour_in_process(H)

    log = capsys.readouterr().out
    [page] = [line.split("Data Docs: ")[1].split()[0] for line in log.splitlines() if "Suite staging_events" in line]
    assert page.startswith(one_song.data_docs_url) and page.endswith(".html")
    # Served by the stack's Data Docs web server, as a steward's browser would get it.
    with urlopen(page) as response:
        assert response.status == 200
        assert "staging_events" in response.read().decode()
