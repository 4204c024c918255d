"""The quality page beside Data Docs is rewritten once an hour, by the hour's last gate
(the warehouse gate), with every gate's results of the hour; the staging gate rewrites
it only when it blocks the hour, since no later gate runs then. (What the page shows is
tested in tests/browser/test_quality_page.py.)"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from great_expectations_provider.common.errors import GXValidationFailed
from helpers import TEST_DAY_KEY, TEST_HOUR, event, event_lines, ms, put

from sparkify_lab.in_process import HourInProcess

pytestmark = pytest.mark.integration

H = TEST_HOUR
NEXT = H + timedelta(hours=1)


def page_cells(stack) -> dict[str, dict[str, str]]:
    """hour -> suite -> the cell's outcome, as the page on disk shows them now."""
    page = stack.data_docs_dir / "quality.html"
    if not page.exists():
        return {}
    cells: dict[str, dict[str, str]] = {}
    for hour, row in re.findall(r'<tr data-hour="([^"]+)">(.*?)</tr>', page.read_text(), re.S):
        cells[hour] = dict((suite, outcome) for outcome, suite in re.findall(r'<td class="([a-z]+)" data-suite="([a-z_]+)"', row))
    return cells


def run_hour_watching_the_page(stack, hour) -> dict[str, dict]:
    """Runs the hour's tasks in process; the page as each task found it, by task."""
    seen: dict[str, dict] = {}

    def before_task(task_id: str) -> None:
        seen[task_id] = page_cells(stack)

    HourInProcess(hour).run_all(before_task)
    seen["after the hour"] = page_cells(stack)
    return seen


def plays(hour, count: int = 6, **fields) -> list[dict]:
    return [event(ms(hour, n), "7", itemInSession=n, **fields) for n in range(count)]


def test_the_warehouse_gate_writes_the_page_once_with_the_staging_gate_results(one_song):
    put(one_song, TEST_DAY_KEY, event_lines(plays(H) + plays(NEXT)))
    HourInProcess(H).run_all()

    seen = run_hour_watching_the_page(one_song, NEXT)

    assert list(seen["build_audit"]) == ["2018-11-15T10"], "a passing staging gate leaves the page to the warehouse gate"
    after = seen["publish"]
    assert list(after) == ["2018-11-15T11", "2018-11-15T10"]
    assert after["2018-11-15T11"]["staging_events"] == "passed", "the staging gate's results of the hour are on it"
    assert after["2018-11-15T11"]["songplays"] == "passed"
    assert seen["after the hour"] == after, "publish does not touch it"


def test_a_blocking_staging_gate_writes_the_page_itself(one_song):
    put(one_song, TEST_DAY_KEY, event_lines(plays(H) + plays(NEXT, level="gold")))
    HourInProcess(H).run_all()

    with pytest.raises(GXValidationFailed):
        run_hour_watching_the_page(one_song, NEXT)

    after = page_cells(one_song)
    assert after["2018-11-15T11"]["staging_events"] == "critical"
    assert after["2018-11-15T11"]["songplays"] == "none", "the hour never reached the warehouse gate"


def test_an_hour_without_plays_is_on_the_page_though_the_warehouse_gate_had_nothing_to_validate(one_song):
    # Guests browsing: staged events, but no user, play or time row (and no new song).
    guests = [event(ms(NEXT, n), "", page="Home", auth="Guest", itemInSession=n, song=None, artist=None, length=None) for n in range(6)]
    put(one_song, TEST_DAY_KEY, event_lines(plays(H) + guests))
    HourInProcess(H).run_all()

    seen = run_hour_watching_the_page(one_song, NEXT)

    assert "2018-11-15T11" not in seen["build_audit"]
    after = seen["after the hour"]
    assert after["2018-11-15T11"]["staging_events"] == "passed"
    assert {after["2018-11-15T11"][suite] for suite in ("songplays", "users", "time", "songs", "artists")} == {"none"}
