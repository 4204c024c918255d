"""Downstream DAGs run on validated hours only: a published hour emits an event on each
published table's asset (with the hour, the rows published and the Data Docs pages),
and the real Airflow scheduler then runs sparkify_daily_plays from it; a blocked hour
emits nothing and starts nothing."""

from __future__ import annotations

import json
import time
import urllib.request

import pytest
from helpers import (
    HOUR,
    TEST_DAY_KEY,
    TEST_HOUR,
    clean,
    event,
    event_lines,
    listening_addresses,
    loopback_only,
    ms,
    put,
    put_songs,
    rows,
    song,
)

from sparkify.warehouse.schema import STAR_TABLES
from sparkify_lab import runner
from sparkify_lab.airflow_services import AirflowServices
from sparkify_lab.stack import free_port

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

GOOD, BAD = TEST_HOUR, TEST_HOUR + HOUR


def asset_events(stack) -> list[tuple[str, dict]]:
    return [
        (name, json.loads(extra))
        for name, extra in runner.metadata_rows(
            stack, "select a.name, e.extra::text from asset_event e join asset a on a.id = e.asset_id order by e.id"
        )
    ]


@pytest.fixture(scope="module")
def hours_run(stack, tmp_path_factory):
    """A good hour, then a blocked one, through `airflow dags test`, with the downstream
    DAG serialized and unpaused as a deployment would have it."""
    clean(stack)
    put_songs(stack, [song("SOONE")])
    good = [event(ms(GOOD, n), str(7 + n % 2), itemInSession=n, level="paid" if n % 3 else "free") for n in range(8)]
    bad = [event(ms(BAD, n), "7", itemInSession=n, sessionId=5) for n in range(6)]
    bad += [event(ms(BAD, 30), "7", itemInSession=99, sessionId=5, level="gold")]
    put(stack, TEST_DAY_KEY, event_lines(good + bad))
    runner.ensure_metadata_db(stack)
    for args in (("dags", "reserialize"), ("dags", "unpause", "sparkify_daily_plays")):
        done = runner.airflow(stack, *args, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    logs = tmp_path_factory.mktemp("dags-test-logs")
    events_before = len(asset_events(stack))
    good_run = runner.run_hour(stack, GOOD, logs)
    after_good = asset_events(stack)[events_before:]
    queued_after_good = runner.metadata_rows(stack, "select target_dag_id from asset_dag_run_queue")
    bad_run = runner.run_hour(stack, BAD, logs)
    after_bad = asset_events(stack)[events_before + len(after_good) :]
    assert good_run.succeeded, good_run.log.read_text()[-3000:]
    assert not bad_run.succeeded
    return {"after_good": after_good, "queued_after_good": queued_after_good, "after_bad": after_bad}


def test_a_published_hour_emits_one_event_per_published_table(hours_run):
    events = dict(hours_run["after_good"])

    assert set(events) == {f"sparkify.{table}" for table in STAR_TABLES}
    assert events["sparkify.songplays"]["hour"] == GOOD.isoformat()
    assert events["sparkify.songplays"]["rows_published"] == 8
    assert events["sparkify.users"]["rows_published"] == 2
    docs = events["sparkify.songplays"]["data_docs"]
    assert {"staging_events", "stage_reconciliation", "songplays", "users", "time"} <= set(docs), "each suite's page"
    assert all(url.endswith(".html") for url in docs.values())
    assert ("sparkify_daily_plays",) in hours_run["queued_after_good"]


def test_a_blocked_hour_emits_no_event(hours_run):
    assert hours_run["after_bad"] == []


def test_the_scheduler_runs_the_downstream_dag_once_on_the_validated_hour(stack, hours_run):
    api_port = free_port()
    # The scheduler and api-server as ./sparkify ui starts them.
    with AirflowServices(stack, api_port, stack.log_dir / "scheduler-test.log", ("api-server", "scheduler")) as services:
        states = wait_for_downstream_run(stack, api_port, seconds=240)
        listening = listening_addresses([process.pid for process in services.processes])

    assert states == ["success"], f"see {stack.log_dir / 'scheduler-test.log'}"
    # Nothing listens beyond this machine (Airflow's worker log server would).
    assert (api_port in {port for _, port in listening}) and loopback_only(listening), listening
    expected = rows(
        stack,
        "select date_trunc('day', start_time)::date, level, count(*), count(distinct user_id) "
        "from songplays group by 1, 2 order by 1, 2",
    )
    assert rows(stack, "select day, level, plays, listeners from daily_plays_by_level order by 1, 2") == expected
    assert sum(r[2] for r in expected) == 8


def wait_for_downstream_run(stack, api_port: int, seconds: float) -> list[str]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{api_port}/api/v2/dags/sparkify_daily_plays/dagRuns") as r:
                states = [run["state"] for run in json.load(r)["dag_runs"]]
        except OSError:
            states = []
        if states and all(state in ("success", "failed") for state in states):
            return states
        time.sleep(2)
    return states
