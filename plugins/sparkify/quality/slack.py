"""The Slack message a failed gate sends: which DAG, hour and suite, each failed
expectation with its column, severity and unexpected count, and the Data Docs page.

GX's own SlackNotificationAction names only expectation types; a steward needs to know
what failed where. The message carries no data values, so no personal data.
"""

from __future__ import annotations

from sparkify.quality.report import GateReport


def gate_message(report: GateReport, *, dag_id: str, task_id: str, hour_label: str) -> dict:
    """``text`` (the notification line) and ``blocks`` for Slack's webhook API."""
    verdict = "blocked the hour" if report.worst == "critical" else "passed with warnings"
    headline = f"GX gate {dag_id}.{task_id} {verdict} for {hour_label} (worst failure: {report.worst})"
    failures = "\n".join(
        f"• {f.suite}: `{f.expectation}` on {f.target} [{f.severity}], unexpected {f.unexpected}"
        + (f" ({f.expected})" if f.expected else "")
        for f in report.failures
    )
    failures = "\n".join([failures, *report.details]).strip()
    pages = "\n".join(f"<{page}|Data Docs: {suite}>" for suite, page in report.docs_pages)
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": headline[:150]}},
        {"type": "section", "text": {"type": "mrkdwn", "text": failures or "No failed expectation."}},
    ]
    if pages:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": pages}})
    return {"text": f"{headline}\n{failures}\n{pages}".strip(), "blocks": blocks}


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
