"""The Airflow CLI with the libraries of the hourly DAG's tasks already imported, for
the scheduler that runs them: ``python -m sparkify_lab.preloaded_airflow scheduler``.

LocalExecutor forks its workers from the scheduler and each task from a worker, so
what the scheduler imported before it started, every task has for free. Importing
great_expectations alone costs a gate task about 3 s of CPU, more than its checkpoints'
work, and a backfill runs two gates an hour.
"""

from __future__ import annotations

import importlib
import inspect
import sys

from sparkify import sql_files
from sparkify.quality.context import quiet_gx_logging

# What the tasks of dags/sparkify_hourly.py import when they run (their imports are
# deferred to execute() so that parsing the DAG stays fast).
TASK_MODULES = (
    "airflow.sdk.execution_time.task_runner",
    "sparkify.operators",
    "great_expectations",
    "great_expectations_provider.operators.validate_checkpoint",
    "sparkify.quality.results",
    "sparkify.quality.report",
    "sparkify.quality.alerts",
    "sparkify.quality.docs_window",
    "sparkify.quality.docs_views",
    "sparkify.warehouse",
    "airflow.providers.amazon.aws.hooks.s3",
    "airflow.providers.amazon.aws.hooks.sqs",
    "airflow.providers.postgres.hooks.postgres",
    "airflow.providers.slack.hooks.slack_webhook",
)


def preload() -> None:
    """What a process that forks the hourly DAG's tasks has done before it forks them."""
    quiet_gx_logging()
    for module in TASK_MODULES:
        importlib.import_module(module)
    # Each AWS hook's first client names its caller from inspect.stack(), whose first
    # call in a process maps every loaded module to its file (realpath on thousands of
    # files): done here once, the tasks inherit the map.
    inspect.stack()
    sql_files.split_every_file()


def main() -> None:
    preload()
    from airflow.__main__ import main as airflow_main

    sys.exit(airflow_main())


if __name__ == "__main__":
    main()
