"""The environment under which Airflow runs against the embedded stack.

Everything the DAG needs reaches it as Airflow connections and variables
(``AIRFLOW_CONN_*`` / ``AIRFLOW_VAR_*``), so pointing the same DAG at AWS means
defining the same connection ids there; nothing in ``dags/`` or ``plugins/`` changes.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from sparkify_lab.stack import BUCKET, DATABASE, PG_USER, REGION, SONG_QUEUE, LocalStack

PROJECT_ROOT = Path(__file__).resolve().parents[1]

WAREHOUSE_CONN_ID = "sparkify_warehouse"
AWS_CONN_ID = "aws_default"


def warehouse_connection(stack: LocalStack) -> dict:
    return {"conn_type": "postgres", "host": "127.0.0.1", "port": stack.pg_port, "login": PG_USER, "schema": DATABASE}


def aws_connection(stack: LocalStack) -> dict:
    return {"conn_type": "aws", "extra": {"endpoint_url": stack.s3_endpoint, "region_name": REGION}}


def airflow_environment(stack: LocalStack, base: dict[str, str] | None = None) -> dict[str, str]:
    """Returns ``base`` (default: this process's environment) plus the local Airflow settings."""
    env = dict(os.environ if base is None else base)
    home = stack.airflow_home
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(PROJECT_ROOT / "plugins"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
            "AIRFLOW__CORE__PARALLELISM": "4",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": stack.metadata_url,
            "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(stack.log_dir / "airflow"),
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": "http://127.0.0.1:8080/execution/",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
            "AIRFLOW_CONN_SPARKIFY_WAREHOUSE": json.dumps(warehouse_connection(stack)),
            "AIRFLOW_CONN_AWS_DEFAULT": json.dumps(aws_connection(stack)),
            "AIRFLOW_VAR_SPARKIFY_BUCKET": BUCKET,
            "AIRFLOW_VAR_SPARKIFY_SONG_QUEUE": SONG_QUEUE,
            "AIRFLOW_VAR_SPARKIFY_DATA_DOCS": str(stack.data_docs_dir),
            "AIRFLOW_VAR_SPARKIFY_DATA_DOCS_URL": stack.data_docs_url,
            "AIRFLOW_VAR_SPARKIFY_GX_RESULTS": str(stack.gx_results_dir),
            "AIRFLOW_VAR_SPARKIFY_GX_RESULTS_ARCHIVE": str(stack.gx_results_archive_dir),
            "SPARKIFY_RETRY_DELAY_SECONDS": "2",
            # moto accepts any key pair; real AWS takes them from the connection or the instance role.
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",  # pragma: allowlist secret (moto's stand-in, not a credential)
            "AWS_DEFAULT_REGION": REGION,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_ROOT / "plugins"), str(PROJECT_ROOT), env.get("PYTHONPATH")])),
            "XDG_RUNTIME_DIR": str(stack.run_dir),
            "NO_PROXY": "127.0.0.1,localhost",
        }
    )
    return env
