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
from datetime import datetime, timezone
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


def gate_timings(stack: LocalStack, events: int) -> tuple[float, list[Timing]]:
    """Seconds to stage ``events`` rows in SQL, and each step of the hour after staging,
    run through the hourly DAG's own tasks."""
    from sparkify.local.in_process import HourInProcess
    from sparkify.local.warehouse_admin import run_query
    from sparkify.quality.context import open_context

    hour = HourInProcess(BENCH_HOUR)
    hour.run_task("create_tables")
    began = time.monotonic()
    run_query(stack, sql_files.read("bench/stage_synthetic_hour.sql"), {"hour": BENCH_HOUR.replace(tzinfo=None), "events": events})
    staged = time.monotonic() - began
    # GX's import and first context cost a few seconds once per process, not per gate.
    open_context("sparkify_warehouse")
    task_ids = [t.task_id for t in hour.dag.tasks]
    measured = ["validate_staging.staging_events"]
    measured += [t for t in task_ids if t.startswith("build_")]
    measured += [t for t in task_ids if t.startswith("validate_warehouse.")]
    measured += ["publish"]
    return staged, [Timing(task_id, hour.run_task(task_id)) for task_id in measured]


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
