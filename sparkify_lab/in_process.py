"""The hourly DAG's own tasks for one hour, run in this process: templates rendered as
Airflow would, XComs and asset events kept in memory. For the tests and the
benchmark, which need the real tasks without Airflow's CLI or scheduler around them."""

from __future__ import annotations

import collections
import contextvars
import copy
import os
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sparkify_lab.airflow_env import PROJECT_ROOT


def hourly_dag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(PROJECT_ROOT / "dags")).dags["sparkify_hourly"]


class _EnvironmentVariables:
    """``var.value`` in templates, read from ``AIRFLOW_VAR_*`` as Airflow would."""

    def get(self, name: str, default=None):
        return os.environ.get(f"AIRFLOW_VAR_{name.upper()}", default)

    def __getattr__(self, name: str):
        value = self.get(name)
        if value is None:
            raise KeyError(name)
        return value


class InMemoryTaskInstance:
    """A task instance's XCom push and pull, kept in memory for the whole run."""

    def __init__(self, task_id: str, store: dict):
        self.task_id = task_id
        self.store = store

    def xcom_push(self, key, value):
        self.store[(self.task_id, key)] = value

    def xcom_pull(self, task_ids, key="return_value"):
        if isinstance(task_ids, str):
            return self.store.get((task_ids, key))
        return [self.store.get((task_id, key)) for task_id in task_ids]


class _OutletEvent:
    def __init__(self):
        self.extra = {}


def outlet_events() -> dict:
    """The ``outlet_events`` of a task context: each asset's event, whose ``extra`` a task sets."""
    return collections.defaultdict(_OutletEvent)


class HourInProcess:
    """One hour of the hourly DAG, [hour, hour + 1h), run task by task."""

    def __init__(self, hour: datetime, dag=None) -> None:
        self.dag = dag or hourly_dag()
        self.xcoms: dict = {}
        self.outlet_events = outlet_events()
        self.context: dict[str, Any] = {
            "run_id": f"in_process__{hour.isoformat()}",
            "data_interval_start": hour,
            "data_interval_end": hour + timedelta(hours=1),
            "var": {"value": _EnvironmentVariables()},
            "params": {},
            "outlet_events": self.outlet_events,
        }

    def run_task(self, task_id: str) -> float:
        """Executes one task; returns its seconds."""
        from airflow.sdk.bases.operator import ExecutorSafeguard

        runnable = copy.copy(self.dag.get_task(task_id))
        task_context = {**self.context, "ti": InMemoryTaskInstance(task_id, self.xcoms)}
        # As Airflow's task runner does: the operator then knows it runs as the task, and
        # does not warn that it is "called outside of the Task Runner".
        as_task = contextvars.copy_context()
        as_task.run(ExecutorSafeguard.tracker.set, runnable)
        began = time.monotonic()
        runnable.render_template_fields(task_context)
        as_task.run(runnable.execute, task_context)
        return time.monotonic() - began

    def run_all(self, before_task: Callable[[str], None] | None = None) -> dict[str, dict]:
        """Executes every task in dependency order (``before_task(task_id)`` first, if
        given); returns the extras of the asset events emitted, by asset name."""
        done: set[str] = set()
        while len(done) < len(self.dag.tasks):
            for task in self.dag.tasks:
                if task.task_id not in done and task.upstream_task_ids <= done:
                    if before_task:
                        before_task(task.task_id)
                    self.run_task(task.task_id)
                    done.add(task.task_id)
        return {asset.name: event.extra for asset, event in self.outlet_events.items()}
