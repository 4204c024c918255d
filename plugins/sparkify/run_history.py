"""Run history for stewards: each task of an hourly run records its outcome in the
warehouse table ``run_steps`` (the view ``run_history`` shows one row per run and hour:
rows staged and published, each gate's outcome, timings, the Data Docs page).

Recorded by task callbacks, so operators stay about their own work: a task's return
value gives its rows, a stage step's ``stage_tally`` XCom its records read and
quarantined, a gate's ``gate_outcome`` XCom its outcome. A failure to record
is logged and never fails the task.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone

from sparkify import xcom_keys

log = logging.getLogger(__name__)


def record_success(context) -> None:
    """``on_success_callback`` of every task of the hourly DAG."""
    _record(context, failed=False)


def record_failure(context) -> None:
    """``on_failure_callback`` (after the last try): a gate that failed blocked the hour."""
    _record(context, failed=True)


def _record(context, *, failed: bool) -> None:
    try:
        _write(context, failed)
    except Exception:  # bookkeeping must never turn a finished task into a failed one
        log.exception("could not record the run history of %s", context["ti"].task_id)


def _write(context, failed: bool) -> None:
    from great_expectations_provider.common.errors import GXValidationFailed

    from sparkify import warehouse
    from sparkify.operators.validate_checkpoint import ValidateCheckpointOperator

    ti, task = context["ti"], context["task"]
    window = warehouse.HourWindow.from_context(context)
    now = datetime.now(timezone.utc)
    started = ti.start_date or now
    step = {
        "run_id": context["run_id"],
        "batch_hour": window.params["data_interval_start"],
        "step": ti.task_id,
        "outcome": "done",
        "rows_affected": None,
        "severity": None,
        "seconds": (now - started).total_seconds(),
        "data_docs_url": None,
        "recorded_at": now.replace(tzinfo=None),
    }
    steps = [step]
    if isinstance(task, ValidateCheckpointOperator):
        step["data_docs_url"] = ti.xcom_pull(task_ids=ti.task_id, key=xcom_keys.DATA_DOCS_URL)
        if failed:
            blocked = isinstance(context.get("exception"), GXValidationFailed)
            step["outcome"], step["severity"] = ("blocked", "critical") if blocked else ("failed", None)
        else:
            step["outcome"] = ti.xcom_pull(task_ids=ti.task_id, key=xcom_keys.GATE_OUTCOME) or "passed"
            step["severity"] = "warning" if step["outcome"] == "warning" else None
    elif failed:
        step["outcome"] = "failed"
    else:
        value = ti.xcom_pull(task_ids=ti.task_id)
        if isinstance(value, int):
            step["rows_affected"] = value
            tally = ti.xcom_pull(task_ids=ti.task_id, key=xcom_keys.STAGE_TALLY) or {}
            steps += [
                {**step, "step": f"{ti.task_id}.{what}", "rows_affected": count, "seconds": None}
                for what, count in tally.items()
            ]
        elif isinstance(value, dict):  # publish: rows per published table
            step["rows_affected"] = sum(value.values())
            steps += [
                {**step, "step": f"{ti.task_id}.{table}", "rows_affected": rows, "seconds": None}
                for table, rows in value.items()
            ]
    backend = warehouse.for_connection(getattr(task, "warehouse_conn_id", "sparkify_warehouse"))
    for row in steps:
        backend.run_script("history/record_step.sql", row)
