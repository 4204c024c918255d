from __future__ import annotations

from collections.abc import Sequence

from airflow.sdk import BaseOperatorLink
from great_expectations_provider.operators.validate_checkpoint import GXValidateCheckpointOperator

from sparkify import xcom_keys


class DataDocsLink(BaseOperatorLink):
    """The gate task's button to the Data Docs page of the validation it ran."""

    name = "Data Docs"

    def get_link(self, operator, *, ti_key) -> str:
        # Airflow asks the task that just ran, at the end of its run, and keeps the answer.
        return getattr(operator, "data_docs_url", None) or ""


class ValidateCheckpointOperator(GXValidateCheckpointOperator):
    """A quality gate: runs checkpoints committed in ``gx/`` on the run's hour, through
    the GX provider, and decides by severity whether the hour's data may flow on.

    Each checkpoint validates one hour of a table (the rows whose ``batch_hour`` is the
    run's); those whose tables hold no rows of the hour are left out, and a gate left
    with nothing passes (:mod:`sparkify.quality.checkpoint_group`). A failed
    ``critical`` expectation fails the task at once (no retries: waiting does not change
    the data), so nothing downstream runs; failed ``warning`` expectations are logged and
    the data flows on. Either way the task log names each failed expectation with its
    suite, column, severity and unexpected count, and links each validation's Data Docs
    page. Around that, the gate calls the units that tell people: the Data Docs site and
    quality page (:mod:`sparkify.quality.site_update`) and Slack
    (:func:`sparkify.quality.slack.alert_gate`); each checkpoint's own action writes every
    expectation's outcome to the warehouse table ``validation_results``.

    :param checkpoint_names: checkpoints in ``gx/checkpoints/``, started in this order,
        ``checkpoints_at_once`` at a time; the last one runs once the others are done, as
        it rebuilds the Data Docs index that lists them all (so list the largest first
        and a small one last)
    :param checkpoints_at_once: checkpoints validated at the same time
    :param expectation_parameters_sql: a file under ``sql/`` whose one row, computed for
        the run's hour, gives the suites' ``$PARAMETER`` values by column name; every
        suite also gets the run's hour as ``hour_start`` and ``hour_end``
    :param failure_details: suite -> a file under ``sql/`` whose one value (``detail``),
        computed for the run's hour when an expectation of that suite fails, is added to
        the log and the alert
    :param warehouse_conn_id: the warehouse connection GX validates in
    :param aws_conn_id: the AWS connection that uploads Data Docs when the site is on S3
    :param slack_conn_id: Slack webhook connection alerted when an expectation starts
        failing (critical or warning), is still failing a reminder window later, or passes
        again (:mod:`sparkify.quality.alerts`); empty to alert nobody (templated)
    :param alert_reminder_hours: hours of data between two reminders of one failing
        expectation (templated)
    :param last_gate: whether this is the hour's last gate. The last gate rewrites the
        quality page with every gate's results of the hour; an earlier gate rewrites it
        only when it blocks the hour, as no later gate then runs.
    """

    template_fields = ("slack_conn_id", "alert_reminder_hours")
    operator_extra_links = (DataDocsLink(),)

    ui_color = "#f4cccc"

    def __init__(
        self,
        *,
        checkpoint_names: Sequence[str],
        expectation_parameters_sql: str | None = None,
        failure_details: dict[str, str] | None = None,
        warehouse_conn_id: str = "sparkify_warehouse",
        aws_conn_id: str = "aws_default",
        slack_conn_id: str = "slack_default",
        alert_reminder_hours: int | str = 24,
        last_gate: bool = True,
        checkpoints_at_once: int = 2,
        **kwargs,
    ) -> None:
        kwargs.setdefault("retries", 0)
        super().__init__(
            configure_checkpoint=_bound_at_execute,
            context_type="file",
            configure_file_data_context=_bound_at_execute,
            **kwargs,
        )
        self.checkpoint_names = list(checkpoint_names)
        self.expectation_parameters_sql = expectation_parameters_sql
        self.failure_details = dict(failure_details or {})
        self.warehouse_conn_id = warehouse_conn_id
        self.aws_conn_id = aws_conn_id
        self.slack_conn_id = slack_conn_id
        self.alert_reminder_hours = alert_reminder_hours
        self.last_gate = last_gate
        self.checkpoints_at_once = checkpoints_at_once
        self.data_docs_url: str | None = None

    def execute(self, context) -> None:
        from great_expectations_provider.common.errors import GXValidationFailed

        from sparkify import warehouse
        from sparkify.quality.checkpoint_group import CheckpointGroup, hour_checkpoints
        from sparkify.quality.context import open_context, quiet_gx_logging
        from sparkify.quality.results import run_identifier
        from sparkify.quality.site_update import SiteUpdate

        quiet_gx_logging()
        window = warehouse.HourWindow.from_context(context)
        backend = warehouse.for_connection(self.warehouse_conn_id)
        site = SiteUpdate(backend, aws_conn_id=self.aws_conn_id, log=self.log)
        gx_context = open_context(self.warehouse_conn_id)
        gx_run_id = run_identifier(context["run_id"], window.start)
        checkpoints = hour_checkpoints(
            gx_context, backend, self.checkpoint_names, window, gx_run_id, warehouse_conn_id=self.warehouse_conn_id, log=self.log
        )
        if not checkpoints:
            context["ti"].xcom_push(key=xcom_keys.GATE_OUTCOME, value="skipped")
            # An earlier gate may have validated the hour (events without plays leave
            # nothing here) and left the page to this one.
            if self.last_gate and backend.hour_has_rows("validation_results", window):
                site.publish(pages=[], quality_page=True)
            return
        group = CheckpointGroup(
            checkpoints,
            expectation_parameters=self._expectation_parameters(backend, window),
            run_id=gx_run_id,
            at_once=self.checkpoints_at_once,
        )
        # Bound here, not in __init__: Airflow runs a copy of the task.
        self.configure_file_data_context = lambda: gx_context
        self.configure_checkpoint = lambda _: group
        self.batch_parameters = {"batch_hour": str(window.params["data_interval_start"])}
        failure = None
        with site.validating(window.params["data_interval_start"]):
            try:
                super().execute(context)
            except GXValidationFailed as error:
                failure = error
        report = self._report(group.result, gx_context, backend, window)
        if self.slack_conn_id:
            from sparkify.quality import slack

            slack.alert_gate(
                backend,
                report,
                conn_id=self.slack_conn_id,
                checkpoints=group.names,
                window=window,
                reminder_hours=int(self.alert_reminder_hours),
                dag_id=self.dag_id,
                task_id=self.task_id,
                owner_of=lambda suite: gx_context.suites.get(suite).meta.get("owner"),
                log=self.log,
            )
        site.publish(pages=report.docs_pages, quality_page=self.last_gate or report.worst == "critical")
        # The run history links the gate's page; publish attaches every suite's page to
        # the asset events it emits.
        context["ti"].xcom_push(key=xcom_keys.DATA_DOCS_URL, value=self.data_docs_url)
        context["ti"].xcom_push(key=xcom_keys.DATA_DOCS_PAGES, value=dict(report.docs_pages))
        if failure is not None and report.worst == "critical":
            raise failure
        context["ti"].xcom_push(key=xcom_keys.GATE_OUTCOME, value="warning" if report.worst else "passed")

    def _expectation_parameters(self, backend, window) -> dict:
        """The suites' ``$PARAMETER`` values for the hour. Its bounds are checked in the
        same pass as the table's other column checks; a query of their own would read the
        hour once more."""
        parameters = {"hour_start": window.params["data_interval_start"], "hour_end": window.params["data_interval_end"]}
        if self.expectation_parameters_sql:
            computed = backend.query_row(self.expectation_parameters_sql, window.params)
            self.log.info("Suite parameters for [%s, %s): %s", window.start, window.end, computed)
            parameters.update(computed)
        return parameters

    def _report(self, result, gx_context, backend, window):
        """Logs each failed expectation and the Data Docs pages; sets the gate's link (the
        page of the first suite that failed worst, else the first)."""
        from sparkify.quality.report import describe

        report = describe(result, gx_context)
        pages = dict(report.docs_pages)
        worst_suites = [failure.suite for failure in report.failures if failure.severity == report.worst]
        self.data_docs_url = pages.get(worst_suites[0]) if worst_suites else next(iter(pages.values()), None)
        failed_suites = {failure.suite for failure in report.failures}
        for suite, sql_file in self.failure_details.items():
            if suite in failed_suites:
                detail = backend.query_row(sql_file, window.params)["detail"]
                if detail:
                    report.details.append(detail)
        for line in [*report.lines, *report.details]:
            self.log.warning(line) if report.worst else self.log.info(line)
        return report


def _bound_at_execute(*args):
    raise RuntimeError("replaced by ValidateCheckpointOperator.execute")
