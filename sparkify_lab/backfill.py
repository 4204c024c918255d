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

import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import TextIO

from sparkify import sql_files
from sparkify_lab import runner
from sparkify_lab.airflow_services import AirflowServices
from sparkify_lab.stack import LocalStack, free_port
from sparkify_lab.warehouse_admin import run_query

FINISHED = ("success", "failed")
# Hours run at once: on two cores, the runs' tasks then keep both busy (a task waits on
# the warehouse, S3 and the scheduler about half of its time).
MAX_ACTIVE_RUNS = 8


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

    @property
    def seconds_per_hour(self) -> float:
        return self.wall_seconds / max(self.hours, 1)

    @property
    def work_per_run(self) -> float:
        """Seconds a run's tasks worked."""
        return self.task_seconds / max(self.hours, 1)

    @property
    def wall_per_run(self) -> float:
        """Seconds from a run's start to its end."""
        return self.run_seconds / max(self.hours, 1)

    @property
    def overhead_per_run(self) -> float:
        """Seconds of a run that no task worked: the scheduler's and executor's gaps."""
        return self.wall_per_run - self.work_per_run

    @property
    def overhead_share(self) -> float:
        return self.overhead_per_run / self.wall_per_run if self.wall_per_run else 0.0

    @property
    def overhead_per_task(self) -> float:
        return self.overhead_per_run / max(self.tasks / max(self.hours, 1), 1)

    @property
    def counts(self) -> str:
        return ", ".join(f"{count} {outcome}" for outcome, count in self.outcomes.items())

    def render(self) -> str:
        runs = max(self.hours, 1)
        run_wall, overhead = self.wall_per_run, self.overhead_per_run
        return "\n".join(
            [
                f"{self.hours} hours in {self.wall_seconds / 60:.1f} min ({self.seconds_per_hour:.1f} s an hour): {self.counts}",
                f"a run: {run_wall:.1f} s from start to end, of which its {self.tasks / runs:.0f} tasks worked {self.work_per_run:.1f} s; "
                f"Airflow overhead {overhead:.1f} s a run ({self.overhead_share:.0%}), {self.overhead_per_task:.2f} s a task"
                if run_wall
                else "no run finished",
                f"scheduler and task logs: {self.log}",
            ]
        )


def _run_states(stack: LocalStack, backfill_id: int) -> dict[str, int]:
    return dict(runner.metadata_rows(stack, "select state, count(*) from dag_run where backfill_id = %s group by state", (backfill_id,)))


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


def _api(api_url: str, method: str, path: str, timeout_seconds: float = 120) -> dict:
    """One call to the api-server's REST API, waiting for the server to come up."""
    import json
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout_seconds
    while True:
        try:
            with urllib.request.urlopen(urllib.request.Request(f"{api_url}api/v2/{path}", method=method), timeout=30) as r:
                body = r.read()
                return json.loads(body) if body else {}
        except urllib.error.HTTPError:
            raise
        except urllib.error.URLError:
            if time.monotonic() > deadline:
                raise
            time.sleep(1)


def run(
    stack: LocalStack,
    start: datetime,
    end: datetime,
    *,
    max_active_runs: int = MAX_ACTIVE_RUNS,
    out: TextIO = sys.stderr,
    timeout_seconds: float = 6 * 3600,
) -> BackfillSummary:
    """Backfills the hours [start, end) through the scheduler and waits for them."""
    hours = len(list(runner.hours(start, end)))
    runner.ensure_metadata_db(stack)
    _airflow(stack, "dags", "reserialize")
    log = stack.log_dir / "backfill" / f"{datetime.now():%Y%m%dT%H%M%S}.log"
    began = time.monotonic()
    only_backfills = {
        "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
        # stage_events and stage_songs of each hour run side by side.
        "AIRFLOW__CORE__PARALLELISM": str(2 * max_active_runs),
        # A run's next task is queued on the scheduler's next loop; between two loops with
        # nothing to do it sleeps this long (default 1 s, seven times a run).
        "AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME": "0.2",
    }
    port = free_port()
    # The backfill is set up before the scheduler starts: `backfill create` is not one
    # transaction, and a scheduler must not start runs of a half-made backfill.
    with AirflowServices(stack, port, log, ("api-server",), only_backfills) as api:
        _close_open_backfills(api.url)
        _remove_colliding_runs(stack, api.url, start, end)
        # Logical dates, inclusive: a backfill run's logical date is the start of its hour.
        dates = ["--from-date", start.isoformat(), "--to-date", (end - runner.HOUR).isoformat()]
        limits = ["--max-active-runs", str(max_active_runs), "--reprocess-behavior", "completed"]
        _airflow(stack, "backfill", "create", "--dag-id", runner.DAG_ID, *dates, *limits)
        [(backfill_id, runs)] = runner.metadata_rows(
            stack,
            "select b.id, count(r.id) from backfill b left join dag_run r on r.backfill_id = b.id "
            "where b.id = (select max(id) from backfill where dag_id = %s) group by b.id",
            (runner.DAG_ID,),
        )
        if runs < hours:
            out.write(f"{hours - runs} of the {hours} hours have an unfinished run already and are left out\n")
        _airflow(stack, "dags", "unpause", runner.DAG_ID)
        try:
            with AirflowServices(stack, port, log, ("scheduler", "dag-processor"), only_backfills):
                last_report, done = 0.0, 0
                while done < runs and time.monotonic() - began < timeout_seconds:
                    time.sleep(2)
                    states = _run_states(stack, backfill_id)
                    done = sum(states.get(state, 0) for state in FINISHED)
                    if out.isatty() or time.monotonic() - last_report >= 30 or done == runs:
                        _progress(out, done, runs, states, time.monotonic() - began)
                        last_report = time.monotonic()
                if out.isatty():
                    out.write("\n")
                wall = time.monotonic() - began
                # The scheduler closes a finished backfill on its next check (every 30 s).
                _wait_for_open_backfills(stack, timeout_seconds=120)
        finally:
            _airflow(stack, "dags", "pause", runner.DAG_ID)
    summary = BackfillSummary(hours=runs, wall_seconds=wall, log=str(log))
    summary.runs_failed = _run_states(stack, backfill_id).get("failed", 0)
    summary.tasks, summary.task_seconds, summary.run_seconds = _run_totals(stack, backfill_id)
    run_ids = [run_id for (run_id,) in runner.metadata_rows(stack, "select run_id from dag_run where backfill_id = %s", (backfill_id,))]
    summary.outcomes = _outcomes(stack, run_ids, summary.runs_failed)
    return summary


def _close_open_backfills(api_url: str) -> None:
    """Cancels a backfill an interrupted ``./sparkify backfill`` left open: Airflow runs
    one backfill a DAG at a time, and this command is the local stack's only backfiller."""
    for backfill in _api(api_url, "GET", f"backfills?dag_id={runner.DAG_ID}")["backfills"]:
        if backfill["completed_at"] is None:
            _api(api_url, "PUT", f"backfills/{backfill['id']}/cancel")


def _remove_colliding_runs(stack: LocalStack, api_url: str, start: datetime, end: datetime) -> None:
    """Deletes the runs dated inside the range that a backfill would not run again: the
    manual ones (``./sparkify demo``'s ``airflow dags test``) and those left unfinished by
    an interrupted backfill. Airflow keys a DAG's runs by logical date, and dates a manual
    run of a data-interval timetable at its interval's end but a backfill run at its
    start: a backfill would take over the manual run of the hour before instead of
    running its own, and it skips a date whose run is unfinished. The warehouse keeps
    what those runs did; the backfill redoes it."""
    from urllib.parse import quote

    last = end - runner.HOUR
    colliding = runner.metadata_rows(
        stack,
        "select run_id from dag_run where dag_id = %s and logical_date between %s and %s "
        "and (run_type = 'manual' or state in ('queued', 'running'))",
        (runner.DAG_ID, start, last),
    )
    for (run_id,) in colliding:
        _api(api_url, "DELETE", f"dags/{runner.DAG_ID}/dagRuns/{quote(run_id, safe='')}")


def _wait_for_open_backfills(stack: LocalStack, timeout_seconds: float) -> None:
    deadline = time.monotonic() + timeout_seconds
    while True:
        [(open_backfills,)] = runner.metadata_rows(
            stack, "select count(*) from backfill where dag_id = %s and completed_at is null", (runner.DAG_ID,)
        )
        if not open_backfills:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"a backfill of {runner.DAG_ID} is still open after {timeout_seconds:.0f} s: is another "
                "./sparkify backfill or a scheduler running on this stack?"
            )
        time.sleep(2)


def _run_totals(stack: LocalStack, backfill_id: int) -> tuple[int, float, float]:
    """The backfill's task instances, their seconds of work, and its runs' seconds from start to end."""
    [(tasks, task_seconds)] = runner.metadata_rows(
        stack,
        "select count(*), coalesce(sum(t.duration), 0) from task_instance t "
        "join dag_run r on r.dag_id = t.dag_id and r.run_id = t.run_id where r.backfill_id = %s and t.state <> 'removed'",
        (backfill_id,),
    )
    [(run_seconds,)] = runner.metadata_rows(
        stack,
        "select coalesce(sum(extract(epoch from end_date - start_date)), 0)::float from dag_run where backfill_id = %s",
        (backfill_id,),
    )
    return tasks, task_seconds, run_seconds


def _outcomes(stack: LocalStack, run_ids: list[str], runs_failed: int) -> dict[str, int]:
    """Hours by outcome, from the warehouse's run history of this backfill's runs."""
    _, rows = run_query(stack, sql_files.read("history/backfill_outcomes.sql"), {"run_ids": run_ids})
    outcomes = {"published": 0, "empty": 0, "blocked": 0}
    for _, status, events_staged in rows:
        if status == "blocked":
            outcomes["blocked"] += 1
        elif status == "published":
            outcomes["empty" if not events_staged else "published"] += 1
    outcomes["failed"] = runs_failed - outcomes["blocked"]
    return outcomes
