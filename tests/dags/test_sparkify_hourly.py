"""The DAG folder imports cleanly and the hourly DAG has the intended shape."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from sparkify.warehouse.schema import STAR_TABLES

DAGS = Path(__file__).resolve().parents[2] / "dags"


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS))


@pytest.fixture(scope="module")
def dag(dagbag):
    return dagbag.dags["sparkify_hourly"]


@pytest.fixture(scope="module")
def timetable(dag):
    """The timetable as the scheduler sees it (the DAG holds its SDK definition)."""
    from airflow.serialization.encoders import coerce_to_core_timetable

    return coerce_to_core_timetable(dag.timetable)


def test_dag_folder_imports_without_errors(dagbag):
    assert dagbag.import_errors == {}
    assert set(dagbag.dag_ids) == {"sparkify_hourly", "sparkify_daily_plays"}


GATES = {"validate_staging", "validate_warehouse"}


def test_task_graph_is_stage_gate_build_gate_publish(dag):
    edges = {(t.task_id, d) for t in dag.tasks for d in t.downstream_task_ids}
    expected = {
        ("create_tables", "stage_events"),
        ("create_tables", "stage_songs"),
        ("stage_events", "validate_staging"),
        ("stage_songs", "validate_staging"),
        ("validate_staging", "build_audit"),
        ("build_audit", "validate_warehouse"),
        ("validate_warehouse", "publish"),
    }
    assert edges == expected


def test_each_gate_runs_the_checkpoints_of_its_stage(dag):
    assert dag.get_task("validate_staging").checkpoint_names == [
        "staging_events_hour",
        "staging_songs_hour",
        "stage_reconciliation_hour",
    ]
    warehouse_gate = dag.get_task("validate_warehouse").checkpoint_names
    assert sorted(warehouse_gate) == sorted(f"warehouse_{table}_hour" for table in STAR_TABLES)
    # The gate validates two checkpoints at a time and its last one alone: a small table's.
    assert warehouse_gate[:2] == ["warehouse_songplays_hour", "warehouse_time_hour"]


def test_publish_is_the_only_task_with_outlets_one_asset_per_published_table(dag):
    with_outlets = {t.task_id: [a.name for a in t.outlets] for t in dag.tasks if t.outlets}

    assert with_outlets == {"publish": [f"sparkify.{table}" for table in STAR_TABLES]}


def test_the_downstream_dag_is_scheduled_on_published_songplays(dagbag):
    downstream = dagbag.dags["sparkify_daily_plays"]

    assert [a.name for a in downstream.timetable.asset_condition.objects] == ["sparkify.songplays"]
    assert [t.task_id for t in downstream.tasks] == ["refresh_daily_plays_by_level"]


def test_gates_are_not_retried(dag):
    for task_id in GATES:
        assert dag.get_task(task_id).retries == 0


def test_default_args():
    # Imported in a fresh interpreter without the local stack's shorter retry delay.
    env = {k: v for k, v in os.environ.items() if k != "SPARKIFY_RETRY_DELAY_SECONDS"}
    code = (
        "import sys; sys.path.insert(0, 'dags'); import sparkify_hourly as m; a = m.dag.default_args; "
        "print(a['owner'], a['retries'], int(a['retry_delay'].total_seconds()), a['depends_on_past'], a['email_on_retry'])"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=DAGS.parent, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["sparkify-data", "3", "300", "False", "False"]


def test_schedule_starts_2018_11_01_with_catchup(dag):
    assert dag.start_date == datetime(2018, 11, 1, tzinfo=timezone.utc)
    assert dag.catchup is True


def test_scheduled_run_covers_one_whole_hour(dag, timetable):
    from airflow.timetables.base import DataInterval, TimeRestriction

    restriction = TimeRestriction(earliest=dag.start_date, latest=None, catchup=True)
    first = timetable.next_dagrun_info(last_automated_data_interval=None, restriction=restriction)
    assert first.data_interval == DataInterval(dag.start_date, dag.start_date + timedelta(hours=1))
    second = timetable.next_dagrun_info(last_automated_data_interval=first.data_interval, restriction=restriction)
    assert second.data_interval.start == datetime(2018, 11, 1, 1, tzinfo=timezone.utc)
    assert second.data_interval.end - second.data_interval.start == timedelta(hours=1)


def test_manual_run_for_an_hour_end_covers_that_hour(timetable):
    from sparkify_lab.runner import HOUR

    import pendulum

    hour = pendulum.datetime(2018, 11, 15, 14, tz="UTC")
    interval = timetable.infer_manual_data_interval(run_after=hour + HOUR)
    assert (interval.start, interval.end) == (hour, hour + HOUR)


def test_dag_module_imports_no_heavy_libraries():
    code = (
        "import sys; sys.path.insert(0, 'dags'); import sparkify_hourly; "
        "print(' '.join(m for m in ('great_expectations', 'pandas', 'boto3', 'psycopg') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=DAGS.parent, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
