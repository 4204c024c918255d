"""``./sparkify backfill`` runs a range of hours through the Airflow scheduler (the
api-server, scheduler and DAG processor, LocalExecutor, several hours at a time) and
leaves the same warehouse as the hours run one after another."""

from __future__ import annotations

import io
from datetime import datetime, timezone
from pathlib import Path

import pytest
from helpers import HOUR, TEST_HOUR, clean, rows, run_hour_in_process, warehouse, without_song_stager

from sparkify_lab import datagen
from sparkify_lab import backfill, dataset, runner

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

START = TEST_HOUR
# Three hours of events, then an hour with none.
END = START + 4 * HOUR

# Which hour stages (and so validates and publishes) a new song depends on which hour
# claims it first when hours run at once; every other suite's results must match.
RESULTS = (
    "select batch_hour, checkpoint, suite, expectation_type, column_name, severity, success, observed_value,"
    " unexpected_count, min_value, max_value from validation_results"
    " where suite not in ('staging_songs', 'songs', 'artists') order by 1, 2, 3, 4, 5, 8, 10, 11"
)


def load_input(stack, folder: Path) -> None:
    clean(stack)
    if not (folder / "log_json_path.json").exists():
        datagen.generate(folder, START, START + 3 * HOUR, events_per_hour=40, songs=12, users=6, whole_days=False)
    dataset.upload(stack, folder)


def test_a_backfill_through_the_scheduler_equals_the_hours_run_one_after_another(stack, tmp_path):
    load_input(stack, tmp_path)
    for hour in (START + n * HOUR for n in range(4)):
        run_hour_in_process(hour)
    one_after_another, results = warehouse(stack), rows(stack, RESULTS)
    load_input(stack, tmp_path)
    # A demo's manual run of 10:00 is dated 11:00, the backfill run of 11:00's date: the
    # backfill must still run 11:00 itself.
    runner.ensure_metadata_db(stack)
    demo = runner.run_hour(stack, START, tmp_path / "demo-logs")
    assert demo.succeeded, demo.log.read_text()[-3000:]
    load_input(stack, tmp_path)
    progress = io.StringIO()

    summary = backfill.run(stack, START, END, max_active_runs=4, out=progress)

    assert summary.outcomes == {"published": 3, "empty": 1, "blocked": 0, "failed": 0}, summary.log
    assert summary.runs_failed == 0 and summary.tasks == 4 * 7
    assert "4/4 hours (4 ok, 0 failed, 0 running)" in progress.getvalue()
    rendered = summary.render()
    assert rendered.startswith("4 hours in ") and "3 published, 1 empty, 0 blocked, 0 failed" in rendered
    assert "Airflow overhead" in rendered
    assert without_song_stager(warehouse(stack)) == without_song_stager(one_after_another)
    assert rows(stack, RESULTS) == results
    assert rows(stack, "select count(*) from validation_results where not success") == [(0,)]
    assert {run_id.split("__")[0] for (run_id,) in rows(stack, "select distinct run_id from run_steps")} == {"backfill"}


# Eight real hours, three of them without events (02:00, 04:00 and 08:00), all started
# at once, so they finish out of order.
REAL_START, REAL_END = datetime(2018, 11, 15, 2, tzinfo=timezone.utc), datetime(2018, 11, 15, 10, tzinfo=timezone.utc)


def test_real_hours_all_at_once_leave_the_warehouse_of_the_hours_one_after_another(stack, real_data):
    clean(stack)
    dataset.upload(stack, real_data)
    for hour in runner.hours(REAL_START, REAL_END):
        run_hour_in_process(hour)
    one_after_another, results = warehouse(stack), rows(stack, RESULTS)
    clean(stack)
    dataset.upload(stack, real_data)

    summary = backfill.run(stack, REAL_START, REAL_END, max_active_runs=8, out=io.StringIO())

    assert summary.outcomes == {"published": 5, "empty": 3, "blocked": 0, "failed": 0}, summary.log
    assert without_song_stager(warehouse(stack)) == without_song_stager(one_after_another)
    assert rows(stack, RESULTS) == results
