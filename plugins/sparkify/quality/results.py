"""The validation history in the warehouse: after every checkpoint run, the checkpoint
action ``sparkify_validation_results`` (listed in each ``gx/checkpoints/*.json``) writes
one row per expectation to ``validation_results``: the run, hour, suite, expectation,
column, severity, outcome, observed value, unexpected count, bounds and Data Docs page.

The gate runs its checkpoint with a run id naming the Airflow run and the hour
(:func:`run_identifier`), so the action, like a rerun, keys everything on the hour.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Literal

from great_expectations.checkpoint.actions import UpdateDataDocsAction, ValidationAction
from great_expectations.core.run_identifier import RunIdentifier

from sparkify.quality.report import expectation_columns, page_link, severity_of

_TEXT_LIMIT = 1024


def run_identifier(run_id: str, batch_hour: datetime) -> RunIdentifier:
    """GX's run id of a gate: the Airflow run's id and, as its time, the hour validated
    (so Data Docs list results by hour and a rerun of the run overwrites its page)."""
    return RunIdentifier(run_name=run_id, run_time=batch_hour)


def batch_hour_of(run_id: RunIdentifier) -> datetime:
    return run_id.run_time.astimezone(timezone.utc).replace(tzinfo=None)


def _number(value) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def expectation_rows(validation, *, checkpoint: str, run_id: RunIdentifier, data_docs_url: str | None) -> list[dict]:
    """One validation result as validation_results rows."""
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    rows = []
    for outcome in validation.results:
        config = outcome.expectation_config
        observed = outcome.result.get("observed_value")
        unexpected = outcome.result.get("unexpected_count")
        rows.append(
            {
                "run_id": run_id.run_name,
                "batch_hour": batch_hour_of(run_id),
                "checkpoint": checkpoint,
                "suite": validation.suite_name,
                "expectation_id": config.id,
                "expectation_type": config.type,
                "column_name": expectation_columns(config),
                "description": (config.description or "")[:_TEXT_LIMIT] or None,
                "severity": severity_of(config),
                "success": bool(outcome.success),
                "observed_value": None if observed is None else str(observed)[:_TEXT_LIMIT],
                "unexpected_count": unexpected if isinstance(unexpected, int) else None,
                "min_value": _number(config.kwargs.get("min_value")),
                "max_value": _number(config.kwargs.get("max_value")),
                "data_docs_url": data_docs_url,
                "validated_at": now,
            }
        )
    return rows


class RecordValidationResults(ValidationAction):
    """Checkpoint action: replaces the hour's rows of this checkpoint in the warehouse's
    ``validation_results`` with this run's, one per expectation."""

    type: Literal["sparkify_validation_results"] = "sparkify_validation_results"
    warehouse_conn_id: str = "sparkify_warehouse"

    def run(self, checkpoint_result, action_context=None) -> dict:
        from sparkify import warehouse

        # The pages the checkpoint's Data Docs action built before this one.
        pages = {}
        for built in action_context.filter_results(class_=UpdateDataDocsAction) if action_context else []:
            pages.update(built)
        rows = []
        for identifier, validation in checkpoint_result.run_results.items():
            urls = [url for url in (pages.get(identifier) or {}).values() if url]
            rows += expectation_rows(
                validation,
                checkpoint=checkpoint_result.checkpoint_config.name,
                run_id=checkpoint_result.run_id,
                data_docs_url=page_link(urls[0]) if urls else None,
            )
        warehouse.for_connection(self.warehouse_conn_id).replace_validation_results(
            checkpoint_result.checkpoint_config.name, batch_hour_of(checkpoint_result.run_id), rows
        )
        return {"validation_results": len(rows)}
