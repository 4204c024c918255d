"""The checkpoints one gate validates for an hour, run as one checkpoint by the GX
provider's operator.

A gate runs several checkpoints (every suite of its write-audit-publish stage) because a
task costs the scheduler about as much as a checkpoint's work. A checkpoint whose tables
hold no rows of the hour has nothing to validate and is left out.
"""

from __future__ import annotations

import contextvars
import logging
from concurrent.futures import ThreadPoolExecutor

from sparkify.quality import gx_private


def hour_checkpoints(gx_context, backend, names, window, gx_run_id, *, warehouse_conn_id: str, log: logging.Logger) -> list:
    """The committed checkpoints ``names`` whose tables hold rows of ``window``; a rerun
    that finds a table empty also removes what an earlier run recorded for it. ``log`` is
    the task's."""
    from airflow.sdk.exceptions import AirflowFailException

    from sparkify.quality.context import GX_DIR
    from sparkify.quality.results import RecordValidationResults, batch_hour_of

    committed = sorted(path.stem for path in (GX_DIR / "checkpoints").glob("*.json"))
    for name in names:
        if name not in committed:
            raise AirflowFailException(f"no checkpoint {name!r} is committed in gx/checkpoints/ (there are: {', '.join(committed)})")
    present = []
    for name in names:
        checkpoint = gx_context.checkpoints.get(name)
        tables = [definition.asset.table_name for definition in checkpoint.validation_definitions]
        if not all(backend.hour_has_rows(table, window) for table in tables):
            log.info("No %s rows for [%s, %s): nothing to validate", " or ".join(tables), window.start, window.end)
            backend.replace_validation_results(name, batch_hour_of(gx_run_id), [])
            continue
        for action in checkpoint.actions:
            if isinstance(action, RecordValidationResults):
                action.warehouse_conn_id = warehouse_conn_id
        present.append(checkpoint)
    return present


class CheckpointGroup:
    """Checkpoints run as one: ``at_once`` at a time, each on its own warehouse connection
    and with its own GX parser of suite parameters (:mod:`sparkify.quality.parameter_parser`),
    as a checkpoint mostly waits for its queries; the last one runs once the others are
    done, as it rebuilds the Data Docs index that lists them all. ``result`` keeps the full
    result (each expectation's severity), which the provider reduces to a dict.

    :param checkpoints: the checkpoints, started in this order (list the largest first)
    :param expectation_parameters: the suites' ``$PARAMETER`` values for the hour
    :param run_id: GX's run identifier of the hour (:func:`sparkify.quality.results.run_identifier`)
    :param at_once: checkpoints validated at the same time
    """

    def __init__(self, checkpoints: list, *, expectation_parameters: dict, run_id, at_once: int) -> None:
        if not checkpoints:
            raise ValueError("a checkpoint group needs at least one checkpoint")
        self.checkpoints = checkpoints
        self.expectation_parameters = expectation_parameters
        self.run_id = run_id
        self.at_once = at_once
        self.result = None

    @property
    def names(self) -> list[str]:
        return [checkpoint.name for checkpoint in self.checkpoints]

    def run(self, **kwargs):
        """What the provider calls with the batch parameters; returns one CheckpointResult."""
        from great_expectations.checkpoint.checkpoint import CheckpointResult

        from sparkify.quality.docs_action import index_deferred

        kwargs["expectation_parameters"] = self.expectation_parameters
        kwargs["run_id"] = self.run_id

        def run_without_index(checkpoint):
            with index_deferred():
                return checkpoint.run(**kwargs)

        # Checkpoints at once need a GX parser of suite parameters each (gx_private's guard).
        at_once = self.at_once if gx_private.intact() else 1
        with ThreadPoolExecutor(at_once, thread_name_prefix="checkpoint") as pool:
            # Each thread sees the task's context (logging, the deferred index).
            running = [pool.submit(contextvars.copy_context().run, run_without_index, checkpoint) for checkpoint in self.checkpoints[:-1]]
            results = [checkpoint_run.result() for checkpoint_run in running]
        results.append(self.checkpoints[-1].run(**kwargs))
        self.result = CheckpointResult(
            run_id=self.run_id,
            run_results={key: value for result in results for key, value in result.run_results.items()},
            checkpoint_config=results[0].checkpoint_config,
            success=all(result.success for result in results),
        )
        return self.result
