"""``./sparkify backfill``: a range of hours through the Airflow scheduler, as a
deployment backfills (``airflow backfill create``: the scheduler and LocalExecutor run
several hours at a time), with a progress bar and a summary.

Airflow 3 runs no task of a paused DAG, so the hourly DAG is unpaused while the
backfill runs and paused again after. Its scheduler runs with
``[scheduler] use_job_schedule`` off, so switching the DAG on starts no scheduled run
(the DAG catches up from 2018-11-01 when a deployment's scheduler runs it): only the
backfill's hours run.
"""

from __future__ import annotations

import sqlite3
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TextIO

from sparkify import sql_files
from sparkify.local import runner
from sparkify.local.airflow_services import AirflowServices
from sparkify.local.stack import LocalStack, free_port
from sparkify.local.warehouse_admin import run_query

FINISHED = ("success", "failed")


@dataclass
class BackfillSummary:
    hours: int
    wall_seconds: float
    # Hours by outcome in the warehouse's run history: published, empty, blocked, failed.
    outcomes: dict[str, int] = field(default_factory=dict)
    runs_failed: int = 0
    task_seconds: float = 0.0
    run_seconds: float = 0.0
    tasks: int = 0
    log: str = ""

    def render(self) -> str:
        runs = max(self.hours, 1)
        work, run_wall = self.task_seconds / runs, self.run_seconds / runs
        overhead = run_wall - work
        counts = ", ".join(f"{count} {outcome}" for outcome, count in self.outcomes.items())
        return "\n".join(
            [
                f"{self.hours} hours in {self.wall_seconds / 60:.1f} min ({self.wall_seconds / runs:.1f} s an hour): {counts}",
                f"a run: {run_wall:.1f} s from start to end, of which its {self.tasks / runs:.0f} tasks worked {work:.1f} s; "
                f"Airflow overhead {overhead:.1f} s a run ({overhead / run_wall:.0%}), {overhead / max(self.tasks / runs, 1):.2f} s a task"
                if run_wall
                else "no run finished",
                f"scheduler and task logs: {self.log}",
            ]
        )


def _metadata(stack: LocalStack, sql: str, params: tuple = ()) -> list[tuple]:
    db = sqlite3.connect(stack.airflow_home / "airflow.db", timeout=30)
    try:
        return db.execute(sql, params).fetchall()
    finally:
        db.close()


def _run_states(stack: LocalStack, since: str) -> dict[str, int]:
    rows = _metadata(
        stack,
        "select state, count(*) from dag_run where dag_id = ? and run_type = 'backfill' and queued_at >= ? group by state",
        (runner.DAG_ID, since),
    )
    return dict(rows)


def _progress(out: TextIO, done: int, total: int, states: dict[str, int], elapsed: float) -> None:
    width = 30
    filled = int(width * done / max(total, 1))
    eta = f", about {elapsed / done * (total - done) / 60:.0f} min left" if done else ""
    line = (
        f"[{'#' * filled}{'.' * (width - filled)}] {done}/{total} hours "
        f"({states.get('success', 0)} ok, {states.get('failed', 0)} failed, {states.get('running', 0)} running), "
        f"{elapsed / 60:.1f} min{eta}"
    )
    if out.isatty():
        out.write(f"\r{line}")
    else:
        out.write(f"{line}\n")
    out.flush()


def _airflow(stack: LocalStack, *args: str) -> None:
    done = runner.airflow(stack, *args, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"airflow {' '.join(args)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")


def run(
    stack: LocalStack,
    start: datetime,
    end: datetime,
    *,
    max_active_runs: int = 4,
    out: TextIO = sys.stderr,
    timeout_seconds: float = 6 * 3600,
) -> BackfillSummary:
    """Backfills the hours [start, end) through the scheduler and waits for them."""
    hours = len(list(runner.hours(start, end)))
    runner.ensure_metadata_db(stack)
    _airflow(stack, "dags", "reserialize")
    log = stack.log_dir / "backfill" / f"{datetime.now():%Y%m%dT%H%M%S}.log"
    began_at = datetime.now(timezone.utc)
    since = f"{began_at:%Y-%m-%d %H:%M:%S}"
    began = time.monotonic()
    only_backfills = {"AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False"}
    with AirflowServices(stack, free_port(), log, ("api-server", "scheduler", "dag-processor"), only_backfills):
        _airflow(stack, "dags", "unpause", runner.DAG_ID)
        try:
            # Logical dates, inclusive: a run's logical date is the start of its hour.
            dates = ["--from-date", start.isoformat(), "--to-date", (end - runner.HOUR).isoformat()]
            limits = ["--max-active-runs", str(max_active_runs), "--reprocess-behavior", "completed"]
            _airflow(stack, "backfill", "create", "--dag-id", runner.DAG_ID, *dates, *limits)
            last_report, done = 0.0, 0
            while done < hours and time.monotonic() - began < timeout_seconds:
                time.sleep(2)
                states = _run_states(stack, since)
                done = sum(states.get(state, 0) for state in FINISHED)
                if out.isatty() or time.monotonic() - last_report >= 30 or done == hours:
                    _progress(out, done, hours, states, time.monotonic() - began)
                    last_report = time.monotonic()
            if out.isatty():
                out.write("\n")
        finally:
            _airflow(stack, "dags", "pause", runner.DAG_ID)
    wall = time.monotonic() - began
    summary = BackfillSummary(hours=hours, wall_seconds=wall, log=str(log))
    summary.runs_failed = _run_states(stack, since).get("failed", 0)
    summary.tasks, summary.task_seconds, summary.run_seconds = _run_totals(stack, since)
    summary.outcomes = _outcomes(stack, start, end, began_at, summary.runs_failed)
    return summary


def _run_totals(stack: LocalStack, since: str) -> tuple[int, float, float]:
    """The backfill's task instances, their seconds of work, and its runs' seconds from start to end."""
    runs = "select run_id from dag_run where dag_id = ? and run_type = 'backfill' and queued_at >= ?"
    [(tasks, task_seconds)] = _metadata(
        stack,
        f"select count(*), coalesce(sum(duration), 0) from task_instance where dag_id = ? and run_id in ({runs})",
        (runner.DAG_ID, runner.DAG_ID, since),
    )
    [(run_seconds,)] = _metadata(
        stack,
        "select coalesce(sum((julianday(end_date) - julianday(start_date)) * 86400), 0) from dag_run "
        "where dag_id = ? and run_type = 'backfill' and queued_at >= ?",
        (runner.DAG_ID, since),
    )
    return tasks, task_seconds, run_seconds


def _outcomes(stack: LocalStack, start: datetime, end: datetime, began_at: datetime, runs_failed: int) -> dict[str, int]:
    """Hours by outcome, from the warehouse's run history of this backfill's runs."""
    params = {"start": start.replace(tzinfo=None), "end": end.replace(tzinfo=None), "since": began_at.replace(tzinfo=None)}
    _, rows = run_query(stack, sql_files.read("history/backfill_outcomes.sql"), params)
    outcomes = {"published": 0, "empty": 0, "blocked": 0}
    for _, status, events_staged in rows:
        if status == "blocked":
            outcomes["blocked"] += 1
        elif status == "published":
            outcomes["empty" if not events_staged else "published"] += 1
    outcomes["failed"] = runs_failed - outcomes["blocked"]
    return outcomes
