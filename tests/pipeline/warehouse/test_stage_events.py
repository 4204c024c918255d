"""The stage step on the real local PostgreSQL and the moto S3 server."""

from __future__ import annotations

import json

import pytest
from helpers import HOUR, clean, context_for, put, rows, snapshot, utc

from sparkify.operators import StageEventsOperator
from sparkify_lab.contract import hour_events, ts_to_timestamp
from sparkify_lab.stack import BUCKET

pytestmark = pytest.mark.integration

DAY_KEY = "log_data/2018/11/2018-11-15-events.json"
DAY_PREFIX = "log_data/2018/11/2018-11-15-events"


def stage(hour, prefix=DAY_PREFIX) -> int:
    return StageEventsOperator(task_id="stage_events", bucket=BUCKET, prefix=prefix).execute(context_for(hour))


@pytest.fixture
def day_file(stack, real_data):
    clean(stack)
    put(stack, DAY_KEY, (real_data / DAY_KEY).read_bytes())
    return real_data


def staged_keys(stack, hour) -> list[tuple]:
    return rows(
        stack,
        "select ts, user_id, session_id, item_in_session, page from staging_events "
        "where batch_hour = %(hour)s order by 1, 2, 3, 4",
        {"hour": hour.replace(tzinfo=None)},
    )


def test_staging_an_hour_loads_exactly_that_hours_events(stack, day_file):
    hour = utc("2018-11-15T14:00")
    expected = sorted(
        (ts_to_timestamp(e["ts"]), e["userId"], e["sessionId"], e["itemInSession"], e["page"])
        for e in hour_events(day_file, hour)
    )

    staged = stage(hour)

    assert staged == len(expected) > 0
    assert staged_keys(stack, hour) == expected


def test_rerunning_an_hour_leaves_identical_staging(stack, day_file):
    hour = utc("2018-11-15T14:00")
    stage(hour)
    first = snapshot(stack, "staging_events")

    stage(hour)

    assert snapshot(stack, "staging_events") == first


def test_rerunning_an_hour_leaves_other_hours_alone(stack, day_file):
    hour, next_hour = utc("2018-11-15T14:00"), utc("2018-11-15T15:00")
    stage(hour)
    stage(next_hour)
    next_before = staged_keys(stack, next_hour)

    stage(hour)

    assert staged_keys(stack, next_hour) == next_before != []


def test_each_staged_event_names_its_file_and_line(stack, day_file):
    hour = utc("2018-11-15T14:00")
    stage(hour)
    lines = (day_file / DAY_KEY).read_text().split("\n")

    staged = rows(stack, "select source_key, source_line, ts, session_id, item_in_session from staging_events")

    assert len(staged) == len(hour_events(day_file, hour)) > 0
    named = []
    for key, line_no, ts, session_id, item in staged:
        event = json.loads(lines[line_no - 1])
        named.append((key, ts_to_timestamp(event["ts"]), event["sessionId"], event["itemInSession"]))
    assert named == [(DAY_KEY, ts, session_id, item) for _, _, ts, session_id, item in staged]


def test_an_hour_whose_day_file_is_missing_stages_nothing_and_succeeds(stack):
    clean(stack)

    assert stage(utc("2018-11-16T03:00"), prefix="log_data/2018/11/2018-11-16-events") == 0
    assert rows(stack, "select count(*) from staging_events") == [(0,)]


def test_the_last_hour_of_the_day_includes_the_last_line_without_newline(stack, day_file):
    last = hour_events(day_file, utc("2018-11-15T23:00"))
    assert not (day_file / DAY_KEY).read_bytes().endswith(b"\n")

    assert stage(utc("2018-11-15T23:00")) == len(last)
    final_event = max(last, key=lambda e: e["ts"])
    assert rows(stack, "select max(ts) from staging_events") == [(ts_to_timestamp(final_event["ts"]),)]


def test_hour_boundaries_are_half_open(stack):
    clean(stack)
    hour = utc("2018-11-15T14:00")
    start_ms = int(hour.timestamp() * 1000)
    base = {"page": "Home", "userId": "1", "sessionId": 1, "auth": "Logged In", "level": "free"}
    events = [
        {**base, "ts": start_ms - 1, "itemInSession": 0},
        {**base, "ts": start_ms, "itemInSession": 1},
        {**base, "ts": start_ms + 3_599_999, "itemInSession": 2},
        {**base, "ts": start_ms + 3_600_000, "itemInSession": 3},
    ]
    from helpers import event_lines

    put(stack, DAY_KEY, event_lines(events))

    assert stage(hour) == 2
    assert [r[0] for r in rows(stack, "select item_in_session from staging_events order by 1")] == [1, 2]
    assert stage(hour + HOUR) == 1
