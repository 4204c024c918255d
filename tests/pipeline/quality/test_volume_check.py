"""The volume check: an hour whose event count falls far outside the same hour of day
in the recent run history raises a warning (never blocks), with the bounds computed in
SQL from run_history, shown in the task log and the Slack alert and stored with the
hour's outcome; Data Docs show the rule and the hour's count."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from urllib.request import urlopen

import pytest
from helpers import TEST_DAY_KEY, TEST_HOUR, event, event_lines, ms, put, rows, run_hour_in_process

from sparkify_lab.warehouse_admin import run_query

pytestmark = pytest.mark.integration

H = TEST_HOUR
VOLUME_RULE = "The hour's event count is within the usual range for this hour of day"


def history(stack, events_by_days_ago: dict[int, int]) -> None:
    """Published runs of hour H's hour of day on earlier days, as run_history records them."""
    for days_ago, events in events_by_days_ago.items():
        hour = (H - timedelta(days=days_ago)).replace(tzinfo=None)
        for step, rows_affected in (("stage_events", events), ("publish", events)):
            run_query(
                stack,
                "insert into run_steps (run_id, batch_hour, step, outcome, rows_affected, recorded_at) "
                "values (%s, %s, %s, 'done', %s, %s)",
                (f"scheduled__{hour:%Y-%m-%dT%H}", hour, step, rows_affected, hour),
            )


def an_hour_of(count: int) -> str:
    return event_lines([event(ms(H, n * 50 / count), "7", itemInSession=n) for n in range(count)])


def volume_lines(log: str) -> list[str]:
    return [line for line in log.splitlines() if VOLUME_RULE in line and "FAILED" in line]


def test_without_history_there_is_no_volume_limit(one_song, capsys):
    put(one_song, TEST_DAY_KEY, an_hour_of(40))

    run_hour_in_process(H)

    log = capsys.readouterr().out
    assert "{'expected_events_min': None, 'expected_events_max': None}" in log
    assert volume_lines(log) == []


def test_a_usual_hour_passes(one_song, capsys):
    history(one_song, {1: 38, 2: 40, 3: 42, 4: 40})
    put(one_song, TEST_DAY_KEY, an_hour_of(41))

    run_hour_in_process(H)

    log = capsys.readouterr().out
    assert "{'expected_events_min': 30, 'expected_events_max': 50}" in log
    assert volume_lines(log) == []


def test_a_far_smaller_hour_warns_with_its_bounds_and_still_publishes(one_song, capsys, slack_listener):
    history(one_song, {1: 38, 2: 40, 3: 42, 4: 40})
    put(one_song, TEST_DAY_KEY, an_hour_of(12))

    run_hour_in_process(H)

    log = capsys.readouterr().out
    # mean 40, 3 sd = 4.9 < 25% of the mean = 10: bounds 30 and 50.
    [line] = volume_lines(log)
    assert "FAILED [warning] expect_table_row_count_to_be_between" in line
    assert "unexpected 12 (expected between 30 and 50)" in line
    assert rows(one_song, "select count(*) from songplays") == [(12,)]
    [(_, payload)] = slack_listener
    assert "passed with warnings" in payload["text"] and "unexpected 12 (expected between 30 and 50)" in payload["text"]
    [page] = [line.split("Data Docs: ")[1].split()[0] for line in log.splitlines() if "Suite staging_events" in line]
    with urlopen(page) as response:
        text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.read().decode())).split())
    # The page shows the rule (its description stands in for GX's template) and the count;
    # the bounds it held the hour to are in the stored outcome beside the log and Slack.
    assert f"{VOLUME_RULE}: the same hour on the last 14 published days" in text
    assert re.search(r"no limit with fewer than 3 such hours 12 ", text)
    assert rows(
        one_song,
        "select success, observed_value, min_value, max_value from validation_results "
        "where expectation_type = 'expect_table_row_count_to_be_between' and description like %(rule)s",
        {"rule": VOLUME_RULE + "%"},
    ) == [(False, "12", 30.0, 50.0)]
