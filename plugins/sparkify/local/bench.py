"""``./sparkify bench``: measured figures, on a private embedded stack (its own folder and
loopback ports, removed afterwards), so the demo's warehouse is never touched.

Today it measures the quality gates on one large hour: N synthetic events are written
to staging in the warehouse (no S3 involved), then the hour's build, both gates and
publish run in this process through the DAG's operators, each timed.
"""

from __future__ import annotations

import os
import socket
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sparkify import sql_files
from sparkify.local.stack import LocalStack

BENCH_HOUR = datetime(2018, 11, 20, 10, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Timing:
    step: str
    seconds: float


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def private_stack() -> LocalStack:
    return LocalStack(
        root=Path(tempfile.mkdtemp(prefix="sparkify-bench-")),
        pg_port=_free_port(),
        s3_port=_free_port(),
        docs_port=_free_port(),
    )


class _TaskInstance:
    def xcom_push(self, key, value) -> None:
        pass

    def xcom_pull(self, task_ids, key="return_value"):
        return [None] * len(task_ids)


def gate_timings(stack: LocalStack, events: int) -> tuple[float, list[Timing]]:
    """Seconds to stage ``events`` rows in SQL, and each step of the hour after staging,
    run through the hourly DAG's own tasks."""
    import copy

    from airflow.dag_processing.dagbag import DagBag

    from sparkify.local.airflow_env import PROJECT_ROOT
    from sparkify.local.warehouse_admin import run_query
    from sparkify.quality.context import open_context

    dag = DagBag(dag_folder=str(PROJECT_ROOT / "dags")).dags["sparkify_hourly"]
    context = {
        "data_interval_start": BENCH_HOUR,
        "data_interval_end": BENCH_HOUR + timedelta(hours=1),
        "params": {},
        "ti": _TaskInstance(),
        "outlet_events": _OutletEvents(),
    }
    dag.get_task("create_tables").execute(context)
    began = time.monotonic()
    run_query(stack, sql_files.read("bench/stage_synthetic_hour.sql"), {"hour": BENCH_HOUR.replace(tzinfo=None), "events": events})
    staged = time.monotonic() - began
    # GX's import and first context cost a few seconds once per process, not per gate.
    open_context("sparkify_warehouse")
    measured = ["validate_staging.staging_events"]
    measured += [t.task_id for t in dag.tasks if t.task_id.startswith("build_")]
    measured += [t.task_id for t in dag.tasks if t.task_id.startswith("validate_warehouse.")]
    measured += ["publish"]
    timings = []
    for task_id in measured:
        began = time.monotonic()
        copy.copy(dag.get_task(task_id)).execute(context)
        timings.append(Timing(task_id, time.monotonic() - began))
    return staged, timings


class _OutletEvents(dict):
    def __missing__(self, asset):
        event = self[asset] = type("OutletEvent", (), {"extra": {}})()
        return event


def run(events: int) -> str:
    from sparkify.local.airflow_env import airflow_environment

    stack = private_stack()
    os.environ.update(airflow_environment(stack))
    stack.up()
    try:
        staged, timings = gate_timings(stack, events)
    finally:
        stack.destroy()
    gates = sum(t.seconds for t in timings if t.step.startswith("validate_"))
    work = sum(t.seconds for t in timings if not t.step.startswith("validate_"))
    lines = [f"Quality gates on one hour of {events:,} synthetic events ({staged:.1f} s to write them to staging in SQL)", ""]
    lines += [f"  {t.step:34} {t.seconds:8.2f} s" for t in timings]
    lines += [
        "",
        f"  both gates: {gates:.1f} s; build + publish: {work:.1f} s; gates / (build + publish) = {gates / work:.2f}",
    ]
    return "\n".join(lines)
