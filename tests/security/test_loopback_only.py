"""The embedded stack is reachable from this machine only. (The Airflow api-server and
scheduler the tests start are checked in tests/e2e/test_downstream_dag.py.)"""

from __future__ import annotations

import psutil
import pytest
from helpers import loopback_only

pytestmark = pytest.mark.integration


def test_postgresql_s3_and_data_docs_listen_on_loopback_only(stack):
    ports = {stack.pg_port, stack.s3_port, stack.docs_port}

    listening = {
        (c.laddr.ip, c.laddr.port)
        for c in psutil.net_connections(kind="tcp")
        if c.status == psutil.CONN_LISTEN and c.laddr.port in ports
    }

    assert {port for _, port in listening} == ports
    assert loopback_only(listening), listening
