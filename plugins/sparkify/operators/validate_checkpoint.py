from __future__ import annotations

import contextvars
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from airflow.sdk import BaseOperatorLink
from great_expectations_provider.operators.validate_checkpoint import GXValidateCheckpointOperator

from sparkify import xcom_keys
from sparkify.quality.docs_window import WindowChanges


class DataDocsLink(BaseOperatorLink):
    """The gate task's button to the Data Docs page of the validation it ran."""

    name = "Data Docs"

    def get_link(self, operator, *, ti_key) -> str:
        # Airflow asks the task that just ran, at the end of its run, and keeps the answer.
        return getattr(operator, "data_docs_url", None) or ""


class ValidateCheckpointOperator(GXValidateCheckpointOperator):
    """A quality gate: runs checkpoints committed in ``gx/`` on the run's hour, through
    the GX provider, and decides whether the hour's data may flow on.

    Each checkpoint validates one hour of a table (the rows whose ``batch_hour`` is the
    run's); a checkpoint whose table has no rows for the hour has nothing to validate
    and is left out, and a gate left with nothing passes. One gate runs several
    checkpoints (say, every suite of the staging stage) because a task costs the
    scheduler about as much as a checkpoint's work. A failed
    ``critical`` expectation fails the task at once (no retries: waiting does not change
    the data), so nothing downstream runs; failed ``warning`` expectations are logged and
    the data flows on. Either way the task log names each failed expectation with its
    suite, column, severity and unexpected count, and links each validation's Data Docs
    page. Every expectation's outcome goes to the warehouse table ``validation_results``
    (the checkpoint's ``sparkify_validation_results`` action).

    :param checkpoint_names: checkpoints in ``gx/checkpoints/``, started in this order,
        ``checkpoints_at_once`` at a time; the last one runs once the others are done, as
        it rebuilds the Data Docs index that lists them all (so list the largest first
        and a small one last)
    :param checkpoints_at_once: checkpoints validated at the same time, each on its own
        warehouse connection and with its own GX parser of suite parameters
        (:mod:`sparkify.quality.parameter_parser`): a checkpoint mostly waits for its
        queries, and the warehouse runs two on two cores
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
        quality page (:mod:`sparkify.quality.overview`) with every gate's results of the
        hour; an earlier gate rewrites it only when it blocks the hour, as no later gate
        then runs. The page covers the Data Docs window (14 days): written by both gates,
        it was the largest part of an hour's cost growing with history.
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
        self.expectation_parameters: dict = {}
        self.failure_details = dict(failure_details or {})
        self.warehouse_conn_id = warehouse_conn_id
        self.aws_conn_id = aws_conn_id
        self.slack_conn_id = slack_conn_id
        self.alert_reminder_hours = alert_reminder_hours
        self.last_gate = last_gate
        self.checkpoints_at_once = checkpoints_at_once
        self.data_docs_url: str | None = None
        self._gx_context = None
        self._checkpoints: list = []
        self._result = None
        self.gx_run_id = None
        self._window_changes = WindowChanges()
        self._report_pages: list[tuple[str, str]] = []

    def _hour_checkpoints(self, window) -> list:
        """The committed checkpoints whose tables hold rows of the hour; a rerun that
        finds a table empty also removes what an earlier run recorded for it."""
        from sparkify import warehouse
        from sparkify.quality.context import open_context
        from sparkify.quality.results import RecordValidationResults, batch_hour_of

        self._gx_context = open_context(self.warehouse_conn_id)
        backend = warehouse.for_connection(self.warehouse_conn_id)
        present = []
        for name in self.checkpoint_names:
            checkpoint = self._gx_context.checkpoints.get(name)
            tables = [v.asset.table_name for v in checkpoint.validation_definitions]
            if not all(backend.hour_has_rows(table, window) for table in tables):
                self.log.info("No %s rows for [%s, %s): nothing to validate", " or ".join(tables), window.start, window.end)
                backend.replace_validation_results(name, batch_hour_of(self.gx_run_id), [])
                continue
            for action in checkpoint.actions:
                if isinstance(action, RecordValidationResults):
                    action.warehouse_conn_id = self.warehouse_conn_id
            present.append(checkpoint)
        return present

    def execute(self, context) -> None:
        from great_expectations_provider.common.errors import GXValidationFailed

        from sparkify import warehouse
        from sparkify.quality.context import quiet_gx_logging, results_dirs
        from sparkify.quality.docs_window import site_lock

        quiet_gx_logging()
        from sparkify.quality.results import run_identifier

        window = warehouse.HourWindow.from_context(context)
        self.gx_run_id = run_identifier(context["run_id"], window.start)
        self._checkpoints = self._hour_checkpoints(window)
        if not self._checkpoints:
            context["ti"].xcom_push(key=xcom_keys.GATE_OUTCOME, value="skipped")
            # An earlier gate may have validated the hour (events without plays leave
            # nothing here) and left the page to this one.
            if self.last_gate and warehouse.for_connection(self.warehouse_conn_id).hour_has_rows("validation_results", window):
                self._publish_site(pages=[], quality_page=True)
            return
        # Bound here, not in __init__: Airflow runs a copy of the task, and the result
        # must land on the instance that reports it.
        self.configure_file_data_context = lambda: self._gx_context
        self.configure_checkpoint = lambda gx_context: _RecordingCheckpoints(self._checkpoints, self)
        self.batch_parameters = {"batch_hour": str(window.params["data_interval_start"])}
        # A bound of the hour is checked in the same pass as the table's other column
        # checks; a query of its own would read the hour once more.
        self.expectation_parameters = {
            "hour_start": window.params["data_interval_start"],
            "hour_end": window.params["data_interval_end"],
        }
        if self.expectation_parameters_sql:
            computed = warehouse.for_connection(self.warehouse_conn_id).query_row(self.expectation_parameters_sql, window.params)
            self.log.info("Suite parameters for [%s, %s): %s", window.start, window.end, computed)
            self.expectation_parameters.update(computed)
        failure = None
        with site_lock(results_dirs()[0]):
            self._keep_docs_window(window)
            try:
                super().execute(context)
            except GXValidationFailed as error:
                failure = error
        worst = self._report(window)
        if failure is not None and worst == "critical":
            self._push_pages(context)
            raise failure
        context["ti"].xcom_push(key=xcom_keys.GATE_OUTCOME, value="warning" if worst else "passed")
        self._push_pages(context)

    def _push_pages(self, context) -> None:
        # The run history links the gate's page; publish attaches every suite's page to
        # the asset events it emits.
        context["ti"].xcom_push(key=xcom_keys.DATA_DOCS_URL, value=self.data_docs_url)
        context["ti"].xcom_push(key=xcom_keys.DATA_DOCS_PAGES, value=dict(self._report_pages))

    def _report(self, window) -> str | None:
        """Logs each failed expectation and the Data Docs pages, moves the alerts;
        returns the worst severity."""
        from sparkify.quality.report import describe

        from sparkify import warehouse

        report = describe(self._result, self._gx_context)
        self._report_pages = report.docs_pages
        # The gate's own link: the page of the first suite that failed worst, else the first.
        worst_suites = [f.suite for f in report.failures if f.severity == report.worst]
        pages = dict(report.docs_pages)
        self.data_docs_url = pages.get(worst_suites[0]) if worst_suites else next(iter(pages.values()), None)
        failed_suites = {f.suite for f in report.failures}
        for suite, sql_file in self.failure_details.items():
            if suite in failed_suites:
                detail = warehouse.for_connection(self.warehouse_conn_id).query_row(sql_file, window.params)["detail"]
                if detail:
                    report.details.append(detail)
        for line in [*report.lines, *report.details]:
            self.log.warning(line) if report.worst else self.log.info(line)
        if self.slack_conn_id:
            self._update_alerts(report, window)
        self._publish_site(pages=report.docs_pages, quality_page=self.last_gate or report.worst == "critical")
        return report.worst

    def _keep_docs_window(self, window) -> None:
        """Before GX updates the site, moves older hours' results to the archive and their
        pages to the site's archive folder (:mod:`sparkify.quality.docs_window`)."""
        from sparkify.quality.context import GX_DIR, results_dirs
        from sparkify.quality.data_docs import DataDocsSite
        from sparkify.quality.docs_window import keep_window

        site = DataDocsSite.from_variables()
        results, archive = results_dirs()
        self._window_changes = keep_window(
            results, archive, site.build_dir(GX_DIR), site.archive_dir(GX_DIR), window.params["data_interval_start"], site.days
        )
        if self._window_changes.moved or self._window_changes.deleted:
            moved, deleted = len(self._window_changes.moved), len(self._window_changes.deleted)
            self.log.info(
                "Data Docs window: %d older pages moved to the archive folder, %d pages older than %d days deleted "
                "(their results stay in %s and in the warehouse's validation_results)",
                moved,
                deleted,
                site.days,
                archive,
            )

    def _update_alerts(self, report, window) -> None:
        """Tells Slack what started failing, still fails (at most once a reminder window)
        or passes again; the verdict stands whatever happens to the message."""
        from sparkify import warehouse
        from sparkify.quality import alerts, slack
        from sparkify.quality.results import batch_hour_of

        def notify(changes) -> None:
            owners = {suite: self._gx_context.suites.get(suite).meta.get("owner") for suite in changes.suites}
            hour_label = f"[{window.start:%Y-%m-%dT%H:%M}, {window.end:%H:%M}) UTC"
            message = slack.alert_message(
                changes, report, dag_id=self.dag_id, task_id=self.task_id, hour_label=hour_label, owners=owners
            )
            if slack.post(self.slack_conn_id, message):
                self.log.info("Alerted Slack through connection %s", self.slack_conn_id)
            else:
                self.log.error("Slack connection %s is not defined: no alert was sent", self.slack_conn_id)

        try:
            alerts.update(
                warehouse.for_connection(self.warehouse_conn_id),
                checkpoints=[checkpoint.name for checkpoint in self._checkpoints],
                batch_hour=batch_hour_of(self.gx_run_id),
                reminder_hours=int(self.alert_reminder_hours),
                notify=notify,
            )
        except Exception:  # the alert is kept open: the next hour's gate tells Slack
            self.log.exception("Could not alert Slack through connection %s", self.slack_conn_id)

    def _publish_site(self, *, pages: list[tuple[str, str]], quality_page: bool) -> None:
        """Rewrites the quality page beside Data Docs when asked to and, for a site on S3,
        uploads what this run changed: ``pages`` (suite, URL) and the quality page."""
        from sparkify import warehouse
        from sparkify.quality.context import GX_DIR
        from sparkify.quality.data_docs import DataDocsSite
        from sparkify.quality.overview import PAGE_NAME, Overview, write_page

        site = DataDocsSite.from_variables()
        if quality_page:
            overview = Overview.load(warehouse.for_connection(self.warehouse_conn_id), hours=site.days * 24)
            write_page(overview, site.build_dir(GX_DIR), site.archived_urls(GX_DIR))
        if site.s3_target is None:
            return
        changed = [site.site_path(url) for _, url in pages]
        changed += [f"expectations/{suite}.html" for suite, _ in pages]
        if quality_page:
            changed.append(PAGE_NAME)
        moved, deleted = self._window_changes.moved, self._window_changes.deleted
        changed += [new for _, new in moved]
        try:
            uploaded = site.upload(GX_DIR, changed, self.aws_conn_id)
            site.delete([old for old, _ in moved] + deleted, self.aws_conn_id)
        except Exception:  # the verdict stands without its pages; say so loudly, do not change it
            self.log.exception("Could not upload Data Docs to %s; the validation result is kept on this worker", site.location)
            return
        self.log.info("Uploaded %d Data Docs files to %s", uploaded, site.location)


def _bound_at_execute(*args):
    raise RuntimeError("replaced by ValidateCheckpointOperator.execute")


class _RecordingCheckpoints:
    """The gate's checkpoints as the provider runs them (as one result), keeping the full
    result (with each expectation's severity) that the provider reduces to a dict."""

    def __init__(self, checkpoints: list, operator: ValidateCheckpointOperator) -> None:
        self._checkpoints = checkpoints
        self._operator = operator

    def run(self, **kwargs):
        from great_expectations.checkpoint.checkpoint import CheckpointResult

        from sparkify.quality.docs_action import index_deferred

        # The provider passes batch parameters only; the suite parameters of this hour
        # (its bounds, and those computed in the warehouse, e.g. volume bounds) are added here.
        kwargs["expectation_parameters"] = self._operator.expectation_parameters
        kwargs["run_id"] = self._operator.gx_run_id

        def run_without_index(checkpoint):
            with index_deferred():
                return checkpoint.run(**kwargs)

        with ThreadPoolExecutor(self._operator.checkpoints_at_once, thread_name_prefix="checkpoint") as pool:
            # Each thread sees the task's context (logging, the deferred index).
            running = [
                pool.submit(contextvars.copy_context().run, run_without_index, checkpoint)
                for checkpoint in self._checkpoints[:-1]
            ]
            results = [checkpoint_run.result() for checkpoint_run in running]
        # The Data Docs index lists the gate's results once every other checkpoint has run.
        results.append(self._checkpoints[-1].run(**kwargs))
        self._operator._result = CheckpointResult(
            run_id=self._operator.gx_run_id,
            run_results={key: value for result in results for key, value in result.run_results.items()},
            checkpoint_config=results[0].checkpoint_config,
            success=all(result.success for result in results),
        )
        return self._operator._result
