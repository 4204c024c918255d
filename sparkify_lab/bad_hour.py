"""``./sparkify bad-hour``: shows a quality gate blocking an hour, end to end.

Adds three bad events to one hour of the day's log object in the local bucket (two at
an unknown level, one NextSong without a user; no personal data), runs that hour with
``airflow dags test`` while a local HTTP listener stands in for Slack, and reports
what a person would see: the gate that blocked, the failed expectations, the Slack
message and the Data Docs page, and that no published table changed. Then it puts the
original object back and reruns the hour, which passes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sparkify_lab import dataset, runner
from sparkify_lab.slack_standin import SlackStandIn
from sparkify_lab.stack import BUCKET, LocalStack
from sparkify_lab.warehouse_admin import fingerprints


@dataclass
class BadHourReport:
    hour: datetime
    key: str
    blocked: runner.HourOutcome
    gate_lines: list[str]
    slack_messages: list[str]
    tables_unchanged: bool
    rerun: runner.HourOutcome


def bad_events(hour: datetime) -> list[dict]:
    start_ms = int(hour.timestamp() * 1000)
    base = {
        "auth": "Logged In",
        "level": "free",
        "method": "PUT",
        "page": "NextSong",
        "sessionId": 990001,
        "status": 200,
        "userId": "990001",
    }
    return [
        {**base, "ts": start_ms + 60_000, "itemInSession": 0, "level": "gold", "length": 180.0},
        {**base, "ts": start_ms + 120_000, "itemInSession": 1, "level": "gold", "length": 200.0},
        {**base, "ts": start_ms + 180_000, "itemInSession": 2, "userId": "", "length": 210.0},
    ]


def run(stack: LocalStack, hour: datetime, log_dir: Path) -> BadHourReport:
    s3 = dataset.aws_client(stack, "s3")
    key = f"log_data/{hour:%Y/%m/%Y-%m-%d}-events.json"
    try:
        original = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    except s3.exceptions.NoSuchKey:
        raise ValueError(f"s3://{BUCKET}/{key} is not in the local bucket: run ./sparkify demo for that day first") from None
    runner.ensure_metadata_db(stack)
    before = fingerprints(stack)
    tampered = original.rstrip(b"\n") + b"\n" + "\n".join(json.dumps(e) for e in bad_events(hour)).encode()
    s3.put_object(Bucket=BUCKET, Key=key, Body=tampered)
    try:
        with SlackStandIn() as slack:
            blocked = runner.run_hour(stack, hour, log_dir / "blocked", extra_env={"AIRFLOW_CONN_SLACK_DEFAULT": slack.connection})
        messages = [payload["text"] for _, payload in slack.received]
    finally:
        s3.put_object(Bucket=BUCKET, Key=key, Body=original)
    unchanged = fingerprints(stack) == before
    gate_lines = [
        line.split("] ", 1)[-1].split(" [airflow.task", 1)[0].strip()
        for line in blocked.log.read_text(errors="replace").splitlines()
        if "FAILED [" in line or ("Data Docs: " in line and "Suite " in line)
    ]
    rerun = runner.run_hour(stack, hour, log_dir / "rerun")
    return BadHourReport(hour, key, blocked, gate_lines, messages, unchanged, rerun)


def render(report: BadHourReport) -> str:
    state = "blocked" if not report.blocked.succeeded else "NOT blocked (the gates let it through)"
    lines = [
        f"Injected 3 bad events into {report.hour:%Y-%m-%dT%H} (s3://{BUCKET}/{report.key}):",
        '  2 events at level "gold", 1 NextSong event without a userId',
        "",
        f"Run of {report.hour:%Y-%m-%dT%H}: {state}, {report.blocked.seconds:.1f} s, log {report.blocked.log}",
        *(f"  {line}" for line in report.gate_lines),
        "",
        f"Slack (local stand-in webhook) received {len(report.slack_messages)} message(s):",
        *(f"  | {text_line}" for text in report.slack_messages for text_line in text.splitlines()),
        "",
        f"Published tables unchanged by the blocked hour: {'yes' if report.tables_unchanged else 'NO'}",
        f"Original object restored; rerun of the hour: {'ok' if report.rerun.succeeded else 'FAILED'} "
        f"({report.rerun.seconds:.1f} s, log {report.rerun.log})",
    ]
    return "\n".join(lines)
