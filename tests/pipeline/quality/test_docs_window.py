"""Data Docs keep a rolling window of hours: results older than the live hours move to
the archive store and their pages to the archive folder (served under archive/, linked
from the quality page); pages older than sparkify_data_docs_days are deleted; the
warehouse keeps every expectation's outcome; ``./sparkify docs --hour`` renders an
archived hour again. ``./sparkify quality`` prints the grid from the warehouse."""

from __future__ import annotations

import html
import re
import urllib.request
from datetime import datetime, timedelta, timezone

import pytest
from helpers import TEST_DAY_KEY, TEST_HOUR, event, event_lines, ms, put, rows, run_hour_in_process

from sparkify.quality.data_docs import archive_folder
from sparkify_lab.cli import main

pytestmark = pytest.mark.integration

H = TEST_HOUR


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
    """The Data Docs pages of an hour, in the site's folder or in its archive folder."""
    folders = (stack.data_docs_dir, archive_folder(stack.data_docs_dir))
    return sorted(f"{f.name}/{p.relative_to(f)}" for f in folders for p in f.rglob(f"*{hour_stamp}*/*.html"))


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode()


def test_older_hours_move_to_the_archive_leave_the_window_and_render_again_on_demand(
    one_song, monkeypatch, project_commands_on, capsys
):
    monkeypatch.setenv("AIRFLOW_VAR_SPARKIFY_DATA_DOCS_DAYS", "1")
    later, two_days_on = H + timedelta(hours=7), datetime(2018, 11, 17, 0, tzinfo=timezone.utc)
    same_day = [event(ms(hour, n), "7", itemInSession=n) for hour in (H, later) for n in range(6)]
    put(one_song, TEST_DAY_KEY, event_lines(same_day))
    put(one_song, "log_data/2018/11/2018-11-17-events.json", event_lines([event(ms(two_days_on, n), "7", itemInSession=n) for n in range(6)]))
    run_hour_in_process(H)
    assert len(pages(one_song, "20181115T100000")) == 8, "one page per suite"

    run_hour_in_process(later)

    # 10:00 is older than the live hours: its pages moved to the archive folder, and the
    # quality page links them there.
    assert {p.split("/")[0] for p in pages(one_song, "20181115T100000")} == {"data_docs_archive"}
    assert len(pages(one_song, "20181115T100000")) == 8
    # Pages lie in validations/<suite>/<run>/<run time>/; a suite's own folder may stay.
    validations = one_song.data_docs_dir / "validations"
    run_folders = [f for f in validations.glob("*/*") if f.is_dir()] + [f for f in validations.glob("*/*/*") if f.is_dir()]
    assert [f for f in run_folders if not any(f.iterdir())] == [], "no emptied run folder is left for GX to walk"
    quality = fetch(f"{one_song.data_docs_url}quality.html")
    [archived_link] = re.findall(r'href="([^"]*archive/validations/staging_events/[^"]*20181115T100000[^"]*)"', quality)
    assert archived_link.startswith(one_song.data_docs_url)
    assert "staging_events" in fetch(html.unescape(archived_link)), "the archived page is served"

    run_hour_in_process(two_days_on)

    assert pages(one_song, "20181115T100000") == [] and pages(one_song, "20181115T170000") == [], "out of the window"
    # 8 suites at 10:00; at 17:00 no new songs, so staging_songs, songs and artists had nothing to validate.
    assert len(list(one_song.gx_results_archive_dir.rglob("20181115T*/*.json"))) == 8 + 5, "nothing is lost"
    assert not list(one_song.gx_results_dir.rglob("20181115T*/*.json"))
    index = (one_song.data_docs_dir / "index.html").read_text()
    assert "2018-11-17 00:00:00" in index and "2018-11-15" not in index
    assert rows(one_song, "select count(distinct suite) from validation_results where batch_hour = %(h)s", {"h": H.replace(tzinfo=None)}) == [(8,)]

    project_commands_on(one_song)
    capsys.readouterr()
    assert main(["docs", "--hour", "2018-11-15T10", "--suite", "staging_events"]) == 0
    [url] = capsys.readouterr().out.split()
    assert url.startswith(f"{one_song.data_docs_url}archive/validations/staging_events/")
    assert "staging_events" in fetch(url)
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
