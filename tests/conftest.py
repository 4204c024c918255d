"""Test fixtures: a private embedded stack (its own folder and ports), started once per
session and stopped at the end, and the Airflow environment pointing at it.

The environment is set before anything imports Airflow, so operators run in-process
read the same connections (``AIRFLOW_CONN_*``) as ``airflow dags test`` does.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from required import skip_or_fail


_ROOT = Path(tempfile.mkdtemp(prefix="sparkify-test-"))

from sparkify_lab.airflow_env import airflow_environment  # noqa: E402
from sparkify_lab.stack import LocalStack, free_port  # noqa: E402

STACK = LocalStack(root=_ROOT, pg_port=free_port(), s3_port=free_port(), docs_port=free_port())
STACK.airflow_home.mkdir(parents=True, exist_ok=True)
os.environ.update(airflow_environment(STACK))

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "sparkify"


@pytest.fixture(scope="session")
def stack():
    STACK.up()
    return STACK


@pytest.fixture
def fresh(stack):
    """The stack with an empty warehouse and bucket."""
    from helpers import clean

    clean(stack)
    return stack


@pytest.fixture
def one_song(fresh):
    """An empty warehouse and a bucket holding one song object, SOONE."""
    from helpers import put_songs, song

    put_songs(fresh, [song("SOONE")])
    return fresh


@pytest.fixture(scope="session")
def real_data() -> Path:
    if not (SHARED_DATA / "log_data").is_dir():
        skip_or_fail(f"the real Sparkify dataset is not at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture
def slack_listener(monkeypatch):
    """A real HTTP listener on 127.0.0.1 standing in for Slack's incoming webhook; the
    connection slack_default points at it. Yields the (path, JSON body) of each POST."""
    from sparkify_lab.slack_standin import SlackStandIn

    with SlackStandIn() as slack:
        monkeypatch.setenv("AIRFLOW_CONN_SLACK_DEFAULT", slack.connection)
        yield slack.received


def pytest_sessionfinish(session, exitstatus):
    import shutil

    STACK.down()
    shutil.rmtree(_ROOT, ignore_errors=True)
