"""A task failure that is not a GX failure (S3 unreachable) alerts Slack once per failed
task, after its retries, not once per try."""

from __future__ import annotations

import json
import os
from collections import Counter

import pytest
from helpers import clean, utc

from sparkify_lab import runner

pytestmark = [pytest.mark.integration, pytest.mark.e2e]


def test_an_unreachable_s3_fails_the_hour_and_alerts_once_per_failed_task(stack, slack_listener, tmp_path):
    clean(stack)
    runner.ensure_metadata_db(stack)
    unreachable = {"conn_type": "aws", "extra": {"endpoint_url": "http://127.0.0.1:9", "region_name": "us-west-2"}}
    env = {
        "AIRFLOW_CONN_AWS_DEFAULT": json.dumps(unreachable),
        "AIRFLOW_CONN_SLACK_DEFAULT": os.environ["AIRFLOW_CONN_SLACK_DEFAULT"],
    }

    outcome = runner.run_hour(stack, utc("2018-11-15T10:00"), tmp_path, extra_env=env)

    assert not outcome.succeeded
    log = outcome.log.read_text()
    assert log.count("try_number=4") or "up_for_retry" in log, "the stage tasks were retried before failing"
    alerts = Counter(payload["text"].split(" failed for ")[0] for _, payload in slack_listener)
    assert alerts == Counter({"Task sparkify_hourly.stage_events": 1, "Task sparkify_hourly.stage_songs": 1})
    assert all("[2018-11-15T10:00, 11:00) UTC after 4 tries" in p["text"] for _, p in slack_listener)
    assert all("127.0.0.1:9" in p["text"] for _, p in slack_listener)
