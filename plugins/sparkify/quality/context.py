"""The GX file context committed in ``gx/``, pointed at the deployment it runs in.

``gx/great_expectations.yml`` names the warehouse only as ``${SPARKIFY_WAREHOUSE_URL}``;
the URL is built here, in the task's process, from the Airflow connection, so no
credential is ever written under ``gx/``. A ``redshift`` connection gives a
sqlalchemy-redshift URL, a ``postgres`` one a psycopg2 URL: the same suites run on both.

Where validation results and Data Docs go follows Airflow variables, so a deployment
changes them without code edits:

- ``sparkify_data_docs``: the Data Docs site, a local folder or ``s3://bucket/prefix/``
  (written with the AWS connection's credentials); default ``gx/uncommitted/data_docs/local_site/``.
- ``sparkify_data_docs_url``: the address people open the site at (a static web server,
  CloudFront, an S3 website); links in task logs, Slack and the Airflow UI use it.
- ``sparkify_gx_results``: the folder of the validation results store; default
  ``gx/uncommitted/validations/``.
"""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path

GX_ROOT = Path(__file__).resolve().parents[3]
WAREHOUSE_URL_VARIABLE = "SPARKIFY_WAREHOUSE_URL"
RESULTS_DIR_VARIABLE = "SPARKIFY_GX_RESULTS_DIR"
SITE_NAME = "local_site"
_DRIVERS = {"postgres": "postgresql+psycopg2", "postgresql": "postgresql+psycopg2", "redshift": "redshift+psycopg2"}


def warehouse_url(conn_id: str):
    """A SQLAlchemy URL for the Airflow connection ``conn_id`` (password escaped by SQLAlchemy)."""
    from airflow.sdk import BaseHook
    from sqlalchemy.engine import URL

    conn = BaseHook.get_connection(conn_id)
    if conn.conn_type not in _DRIVERS:
        raise ValueError(f"connection {conn_id!r} has type {conn.conn_type!r}; GX gates need postgres or redshift")
    return URL.create(
        _DRIVERS[conn.conn_type],
        username=conn.login or None,
        password=conn.password or None,
        host=conn.host or None,
        port=conn.port or None,
        database=conn.schema or None,
    )


def quiet_gx_logging() -> None:
    """Call before great_expectations is first imported: its import logs hundreds of
    INFO lines ("Skipping registering function") that bury the task log."""
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    # The generic SQL data source is deliberate: one gx/ config serves Redshift and PostgreSQL.
    warnings.filterwarnings("ignore", message="You are using a generic SQLDatasource")


def data_docs_site(location: str | None, public_url: str | None, aws_conn_id: str = "aws_default") -> dict:
    """The Data Docs site config for ``location``: a local folder, or ``s3://bucket/prefix/``."""
    if location and location.startswith("s3://"):
        bucket, _, prefix = location.removeprefix("s3://").partition("/")
        backend = {
            "class_name": "TupleS3StoreBackend",
            "bucket": bucket,
            "prefix": prefix.strip("/"),
            "boto3_options": _boto3_options(aws_conn_id),
        }
    else:
        backend = {
            "class_name": "TupleFilesystemStoreBackend",
            "base_directory": str(Path(location).resolve()) if location else "uncommitted/data_docs/local_site/",
        }
    if public_url:
        backend["base_public_path"] = public_url if public_url.endswith("/") else public_url + "/"
    return {
        "class_name": "SiteBuilder",
        "show_how_to_buttons": False,
        "store_backend": backend,
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
    }


def _boto3_options(aws_conn_id: str) -> dict:
    """The AWS connection as boto3 options; kept in memory only (the context is never saved)."""
    from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook

    hook = AwsBaseHook(aws_conn_id=aws_conn_id, client_type="s3")
    credentials = hook.get_credentials()
    options = {
        "aws_access_key_id": credentials.access_key,
        "aws_secret_access_key": credentials.secret_key,
        "region_name": hook.conn_region_name,
    }
    if credentials.token:
        options["aws_session_token"] = credentials.token
    endpoint_url = hook.conn_config.get_service_endpoint_url("s3")
    if endpoint_url:
        options["endpoint_url"] = endpoint_url
    return {key: value for key, value in options.items() if value}


def open_context(conn_id: str, aws_conn_id: str = "aws_default"):
    """The file context in gx/, with the warehouse URL, results store and Data Docs site
    of this deployment (see the module docstring)."""
    from airflow.sdk import Variable

    quiet_gx_logging()
    os.environ[WAREHOUSE_URL_VARIABLE] = warehouse_url(conn_id).render_as_string(hide_password=False)
    results = Variable.get("sparkify_gx_results", default=None)
    os.environ[RESULTS_DIR_VARIABLE] = str(Path(results).resolve()) if results else "uncommitted/validations/"
    import great_expectations as gx

    context = gx.get_context(mode="file", project_root_dir=str(GX_ROOT))
    location = Variable.get("sparkify_data_docs", default=None)
    public_url = Variable.get("sparkify_data_docs_url", default=None)
    if location or public_url:
        # In memory only: the committed gx/ keeps its portable default.
        context.variables.data_docs_sites = {SITE_NAME: data_docs_site(location, public_url, aws_conn_id)}
    return context
