"""The Slack message a gate sends when its alerts change (see
:mod:`sparkify.quality.alerts`): which DAG, hour and suite; each expectation that
started failing, still fails (a reminder with the hours it has failed) or passes again,
with its column, severity and unexpected count; the suites' owners; the Data Docs page.

GX's own SlackNotificationAction names only expectation types and posts on every run; a
steward needs to know what failed where, once. The message carries no data values, so
no personal data.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sparkify.quality.alerts import AlertChanges, AlertItem
from sparkify.quality.report import GateReport


def _line(item: AlertItem) -> str:
    return f"• {item.suite}: `{item.expectation}` on {item.target} [{item.severity}]"


def _failure_line(item: AlertItem) -> str:
    return f"{_line(item)}, unexpected {item.unexpected}" + (f" ({item.expected})" if item.expected else "")


def _since(item: AlertItem) -> str:
    return f"{item.hours_failed} hour{'s' if item.hours_failed != 1 else ''} failed since {item.since:%Y-%m-%dT%H:%M}"


def alert_message(
    changes: AlertChanges, report: GateReport, *, dag_id: str, task_id: str, hour_label: str, owners: dict[str, str]
) -> dict:
    """``text`` (the notification line) and ``blocks`` for Slack's webhook API."""
    if changes.opened or changes.reminded:
        verdict = "blocked the hour" if report.worst == "critical" else "passed with warnings"
        headline = f"GX gate {dag_id}.{task_id} {verdict} for {hour_label} (worst failure: {report.worst})"
    else:
        headline = f"GX gate {dag_id}.{task_id} recovered for {hour_label}"
    sections = []
    if changes.opened:
        sections.append("\n".join(["New failures:", *map(_failure_line, changes.opened), *report.details]))
    if changes.reminded:
        sections.append(
            "\n".join(["Still failing:", *(f"{_failure_line(i)}; {_since(i)}" for i in changes.reminded)])
        )
    if changes.recovered:
        sections.append("\n".join(["Passing again:", *(f"{_line(i)} after {_since(i)}" for i in changes.recovered)]))
    named = sorted({owners[suite] for suite in changes.suites if owners.get(suite)})
    if named:
        sections.append(f"Owner{'s' if len(named) > 1 else ''}: {', '.join(named)}")
    body = "\n".join(sections)
    pages = "\n".join(f"<{page}|Data Docs: {suite}>" for suite, page in report.docs_pages)
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": headline[:150]}},
        {"type": "section", "text": {"type": "mrkdwn", "text": body}},
    ]
    if pages:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": pages}})
    return {"text": f"{headline}\n{body}\n{pages}".strip(), "blocks": blocks}


def post(conn_id: str, message: dict) -> bool:
    """Posts ``message``; False when the connection is not defined (nothing is sent)."""
    from airflow.exceptions import AirflowNotFoundException
    from airflow.providers.slack.hooks.slack_webhook import SlackWebhookHook
    from airflow.sdk import BaseHook

    try:
        BaseHook.get_connection(conn_id)
    except AirflowNotFoundException:
        return False
    SlackWebhookHook(slack_webhook_conn_id=conn_id).send(text=message["text"], blocks=message["blocks"])
    return True


def task_failure_message(context) -> dict:
    ti = context["ti"]
    start, end = context["data_interval_start"], context["data_interval_end"]
    error = str(context.get("exception") or "unknown error").splitlines()[0][:300]
    headline = f"Task {ti.dag_id}.{ti.task_id} failed for [{start:%Y-%m-%dT%H:%M}, {end:%H:%M}) UTC after {ti.try_number} tries"
    return {
        "text": f"{headline}: {error}",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": headline[:150]}},
            {"type": "section", "text": {"type": "mrkdwn", "text": f"```{error}```"}},
        ],
    }


def alert_task_failure(context, conn_id: str = "slack_default") -> None:
    """``on_failure_callback``: Airflow calls it once a task has failed for good, not on
    each retry, so one failure makes one message. A gate that blocked the hour has
    posted its own, richer message already."""
    from great_expectations_provider.common.errors import GXValidationFailed

    if isinstance(context.get("exception"), GXValidationFailed):
        return
    post(conn_id, task_failure_message(context))


def alert_gate(
    backend,
    report: GateReport,
    *,
    conn_id: str,
    checkpoints: list[str],
    window,
    reminder_hours: int,
    dag_id: str,
    task_id: str,
    owner_of: Callable[[str], str | None],
    log: logging.Logger,
) -> None:
    """Tells Slack what the gate's ``checkpoints`` started failing, still fail (at most
    once a reminder window) or pass again for the hour ``window``
    (:func:`sparkify.quality.alerts.update`). The verdict stands whatever happens to the
    message: an unsent alert stays open and the next hour's gate sends it. ``log`` is the
    task's."""
    from sparkify.quality import alerts

    def notify(changes: AlertChanges) -> None:
        owners = {suite: owner_of(suite) for suite in changes.suites}
        hour_label = f"[{window.start:%Y-%m-%dT%H:%M}, {window.end:%H:%M}) UTC"
        message = alert_message(changes, report, dag_id=dag_id, task_id=task_id, hour_label=hour_label, owners=owners)
        if post(conn_id, message):
            log.info("Alerted Slack through connection %s", conn_id)
        else:
            log.error("Slack connection %s is not defined: no alert was sent", conn_id)

    try:
        alerts.update(
            backend,
            checkpoints=checkpoints,
            batch_hour=window.params["data_interval_start"],
            reminder_hours=reminder_hours,
            notify=notify,
        )
    except Exception:  # the alert is kept open: the next hour's gate tells Slack
        log.exception("Could not alert Slack through connection %s", conn_id)
