"""Alerts without fatigue, through a real HTTP listener standing in for Slack: a failing
expectation alerts once, reminds once per window with the hours it failed, and tells
when it passes again; a rerun repeats nothing. The state is in the warehouse."""

from __future__ import annotations

from datetime import timedelta

import pytest
from great_expectations_provider.common.errors import GXValidationFailed
from helpers import TEST_DAY_KEY, TEST_HOUR, event, event_lines, ms, put, rows, run_hour_in_process

pytestmark = pytest.mark.integration

H = TEST_HOUR
VOLUME = "staging_events: `expect_table_row_count_to_be_between` on An hour usually has at least 5 events; fewer is worth a look but not a reason to stop [warning]"
LEVEL = "staging_events: `expect_column_values_to_be_in_set` on level [critical]"


def at(hours: int):
    return H + timedelta(hours=hours)


def day_of_events() -> str:
    """Hours 10-13: one event each (the volume check warns); hour 14: six events, two of
    them with an unknown level (blocked); hour 15: six clean events."""
    events = [event(ms(at(n), 1), "7", sessionId=n) for n in range(4)]
    events += [event(ms(at(4), n), "7", itemInSession=n, level="gold" if n < 2 else "free") for n in range(6)]
    events += [event(ms(at(5), n), "7", itemInSession=n) for n in range(6)]
    return event_lines(events)


def messages(received) -> list[tuple[str, str]]:
    """(headline, body) of each message, leaving out the Data Docs links."""
    return [(p["blocks"][0]["text"]["text"], p["blocks"][1]["text"]["text"]) for _, p in received]


def test_one_message_per_failure_a_reminder_per_window_and_one_on_recovery(one_song, slack_listener, monkeypatch):
    monkeypatch.setenv("AIRFLOW_VAR_SPARKIFY_ALERT_REMINDER_HOURS", "3")
    put(one_song, TEST_DAY_KEY, day_of_events())
    gate = "GX gate sparkify_hourly.validate_staging"
    seen = []

    def hour(n: int, *, blocked: bool = False) -> list[tuple[str, str]]:
        if blocked:
            with pytest.raises(GXValidationFailed):
                run_hour_in_process(at(n))
        else:
            run_hour_in_process(at(n))
        new = messages(slack_listener)[len(seen) :]
        seen.extend(new)
        return new

    assert hour(0) == [
        (
            f"{gate} passed with warnings for [2018-11-15T10:00, 11:00) UTC (worst failure: warning)",
            f"New failures:\n• {VOLUME}, unexpected 1 (expected at least 5)\nOwner: @sparkify-ingest",
        )
    ]
    assert hour(1) == [], "the same failure the next hour: no message"
    assert rows(one_song, "select suite, first_failed_hour, last_failed_hour, notified_hour from alert_state") == [
        ("staging_events", at(0).replace(tzinfo=None), at(1).replace(tzinfo=None), at(0).replace(tzinfo=None))
    ], "the open alert is kept in the warehouse"
    assert hour(2) == []
    assert hour(3) == [
        (
            f"{gate} passed with warnings for [2018-11-15T13:00, 14:00) UTC (worst failure: warning)",
            f"Still failing:\n• {VOLUME}, unexpected 1 (expected at least 5); 4 hours failed since 2018-11-15T10:00"
            "\nOwner: @sparkify-ingest",
        )
    ]
    recovery_and_new_failure = [
        (
            f"{gate} blocked the hour for [2018-11-15T14:00, 15:00) UTC (worst failure: critical)",
            f"New failures:\n• {LEVEL}, unexpected 2\n"
            f"Passing again:\n• {VOLUME} after 4 hours failed since 2018-11-15T10:00\nOwner: @sparkify-ingest",
        )
    ]
    assert hour(4, blocked=True) == recovery_and_new_failure
    assert hour(4, blocked=True) == [], "a rerun of the hour repeats nothing"
    assert hour(5) == [
        (
            f"{gate} recovered for [2018-11-15T15:00, 16:00) UTC",
            f"Passing again:\n• {LEVEL} after 1 hour failed since 2018-11-15T14:00\nOwner: @sparkify-ingest",
        )
    ]
    assert len(seen) == 4
    assert rows(one_song, "select count(*) from alert_state") == [(0,)]
