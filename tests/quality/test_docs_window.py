"""Data Docs keep a rolling window of hours: results of hours older than
sparkify_data_docs_days move to the archive and their pages leave the site; the
warehouse keeps every expectation's outcome; ``./sparkify docs --hour`` renders an
archived hour again; ``./sparkify quality`` prints the grid from the warehouse."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import unquote

import pytest
from helpers import TEST_DAY_KEY, TEST_HOUR, event, event_lines, ms, put, rows, run_hour_in_process

from sparkify.cli.__main__ import main

pytestmark = pytest.mark.integration

H = TEST_HOUR
NEXT_DAY = H + timedelta(days=1, hours=1)


@pytest.fixture
def project_commands_on(monkeypatch):
    """./sparkify's commands pointed at the test's stack."""

    def point(stack):
        monkeypatch.setenv("SPARKIFY_HOME", str(stack.root))
        monkeypatch.setenv("SPARKIFY_PG_PORT", str(stack.pg_port))
        monkeypatch.setenv("SPARKIFY_S3_PORT", str(stack.s3_port))
        monkeypatch.setenv("SPARKIFY_DOCS_PORT", str(stack.docs_port))
        return stack

    return point


def pages(stack, hour_stamp: str) -> list[str]:
    return sorted(str(p.relative_to(stack.data_docs_dir)) for p in stack.data_docs_dir.rglob(f"*{hour_stamp}*/*.html"))


def test_hours_leaving_the_window_are_archived_and_rendered_again_on_demand(one_song, monkeypatch, project_commands_on, capsys):
    monkeypatch.setenv("AIRFLOW_VAR_SPARKIFY_DATA_DOCS_DAYS", "1")
    put(one_song, TEST_DAY_KEY, event_lines([event(ms(H, n), "7", itemInSession=n) for n in range(6)]))
    put(one_song, "log_data/2018/11/2018-11-16-events.json", event_lines([event(ms(NEXT_DAY, n), "7", itemInSession=n) for n in range(6)]))
    run_hour_in_process(H)
    assert len(pages(one_song, "20181115T100000")) == 8, "one page per suite"

    run_hour_in_process(NEXT_DAY)

    assert pages(one_song, "20181115T100000") == [], "the old hour's pages left the site"
    assert len(pages(one_song, "20181116T110000")) == 5, "no new songs: staging_songs, songs and artists had nothing to validate"
    assert not list(one_song.gx_results_dir.rglob("20181115T100000*/*.json"))
    assert len(list(one_song.gx_results_archive_dir.rglob("20181115T100000*/*.json"))) == 8, "nothing is lost"
    index = (one_song.data_docs_dir / "index.html").read_text()
    assert "2018-11-16 11:00:00" in index and "2018-11-15 10:00:00" not in index
    assert rows(one_song, "select count(distinct suite) from validation_results where batch_hour = %(h)s", {"h": H.replace(tzinfo=None)}) == [(8,)]

    project_commands_on(one_song)
    capsys.readouterr()
    assert main(["docs", "--hour", "2018-11-15T10", "--suite", "staging_events"]) == 0
    [url] = capsys.readouterr().out.split()
    assert url.startswith(f"{one_song.data_docs_url}archive/validations/staging_events/")
    rendered = one_song.data_docs_dir / unquote(url.removeprefix(one_song.data_docs_url))
    assert "staging_events" in rendered.read_text()
    assert main(["docs", "--hour", "2018-11-14T10"]) == 1, "an hour never archived renders nothing"


def test_the_quality_command_prints_the_grid_and_the_worst_expectations(one_song, project_commands_on, capsys):
    events = [event(ms(H, n), "7", itemInSession=n) for n in range(6)] + [event(ms(H + timedelta(hours=1), 1), "7")]
    put(one_song, TEST_DAY_KEY, event_lines(events))
    run_hour_in_process(H)
    run_hour_in_process(H + timedelta(hours=1))
    project_commands_on(one_song)
    capsys.readouterr()

    assert main(["quality", "--since", "2018-11-15T09", "--until", "2018-11-15T12"]) == 0

    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == (
        "Gate outcomes, 2018-11-15T09 to 2018-11-15T12 (UTC, end exclusive): "
        "1 hours passed, 1 with warnings, 0 blocked, 1 not validated"
    )
    assert lines[1].split() == ["hour", "staging_events", "staging_songs", "stage_reconciliation", "songplays", "users", "songs", "artists", "time"]
    assert lines[3].split() == ["2018-11-15T09"]
    assert lines[4].split() == ["2018-11-15T10", *["pass"] * 8]
    # No new songs that hour: staging_songs, songs and artists had nothing to validate (blank).
    assert lines[5].split() == ["2018-11-15T11", "warn", "pass", "pass", "pass", "pass"]
    assert lines[7] == "Worst expectations of the period"
    assert lines[10].split()[:3] == ["staging_events", "expect_table_row_count_to_be_between", "An"]
