"""The GX file context committed in ``gx/``, pointed at the deployment it runs in.

``gx/great_expectations.yml`` names the warehouse only as ``${SPARKIFY_WAREHOUSE_URL}``;
the URL is built here, in the task's process, from the Airflow connection, so no
credential is ever written under ``gx/``. A ``redshift`` connection gives a
sqlalchemy-redshift URL, a ``postgres`` one a psycopg2 URL: the same suites run on both.

Where validation results and Data Docs go follows Airflow variables, so a deployment
changes them without code edits: ``sparkify_gx_results``, the folder of the validation
results store (default ``gx/uncommitted/validations/``), ``sparkify_gx_results_archive``,
where results older than the Data Docs window go (default
``gx/uncommitted/validations_archive/``, see :mod:`sparkify.quality.docs_window`), and the
Data Docs variables of :mod:`sparkify.quality.data_docs`.
"""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path

from sparkify.quality.data_docs import DataDocsSite

GX_ROOT = Path(__file__).resolve().parents[3]
GX_DIR = GX_ROOT / "gx"
WAREHOUSE_URL_VARIABLE = "SPARKIFY_WAREHOUSE_URL"
RESULTS_DIR_VARIABLE = "SPARKIFY_GX_RESULTS_DIR"
ARCHIVE_DIR_VARIABLE = "SPARKIFY_GX_ARCHIVE_DIR"
SITE_NAME = "local_site"
_DRIVERS = {"postgres": "postgresql+psycopg2", "postgresql": "postgresql+psycopg2", "redshift": "redshift+psycopg2"}
# A gate keeps several queries running at once, two checkpoints each with queries of its
# own (ValidateCheckpointOperator, sparkify.quality.hour_assets), which fill the cores:
# PostgreSQL's parallel workers would only add their own processor time (on the million-
# event hour both gates were faster without them, once the plays/time match merged two
# sorted lists instead of hashing).
_NO_PARALLEL_WORKERS = {"options": "-c max_parallel_workers_per_gather=0"}
_GATE_SESSION_OPTIONS = {"postgres": _NO_PARALLEL_WORKERS, "postgresql": _NO_PARALLEL_WORKERS}


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
        query=_GATE_SESSION_OPTIONS.get(conn.conn_type, {}),
    )


# The GX expectations sparkify.quality.expectations replaces by design.
_OVERRIDDEN = ("unexpected_rows_expectation", "expect_column_values_to_be_unique")


class _ExpectedOverwrite(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not (message.startswith("Overwriting declaration") and any(name in message for name in _OVERRIDDEN))


_EXPECTED_OVERWRITE = _ExpectedOverwrite()


def quiet_gx_logging() -> None:
    """Call before great_expectations is first imported: its import logs hundreds of
    INFO lines ("Skipping registering function") that bury the task log."""
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    logging.getLogger("great_expectations.expectations.registry").addFilter(_EXPECTED_OVERWRITE)
    # The generic SQL data source is deliberate: one gx/ config serves Redshift and PostgreSQL.
    warnings.filterwarnings("ignore", message="You are using a generic SQLDatasource")


def results_dirs() -> tuple[Path, Path]:
    """The folders of the results store and of its archive."""
    from airflow.sdk import Variable

    results = Variable.get("sparkify_gx_results", default=None)
    archive = Variable.get("sparkify_gx_results_archive", default=None)
    return (
        Path(results).resolve() if results else GX_DIR / "uncommitted" / "validations",
        Path(archive).resolve() if archive else GX_DIR / "uncommitted" / "validations_archive",
    )


def open_context(conn_id: str):
    """The file context in gx/, with the warehouse URL, results store and Data Docs site
    of this deployment (see the module docstring)."""
    quiet_gx_logging()
    os.environ[WAREHOUSE_URL_VARIABLE] = warehouse_url(conn_id).render_as_string(hide_password=False)
    results, archive = results_dirs()
    os.environ[RESULTS_DIR_VARIABLE], os.environ[ARCHIVE_DIR_VARIABLE] = str(results), str(archive)
    import great_expectations as gx

    # Registers the checkpoint actions the committed checkpoints name, the class the
    # suites' unexpected_rows_expectation loads as and the data source type of gx/.
    import sparkify.quality.docs_action  # noqa: F401
    import sparkify.quality.expectations  # noqa: F401
    import sparkify.quality.hour_assets  # noqa: F401
    import sparkify.quality.results  # noqa: F401
    from sparkify.quality.parameter_parser import parse_parameters_per_thread

    # A gate validates two checkpoints at once (ValidateCheckpointOperator).
    parse_parameters_per_thread()

    context = gx.get_context(mode="file", project_root_dir=str(GX_ROOT))
    # In memory only: the committed gx/ keeps its portable default.
    context.variables.data_docs_sites = {SITE_NAME: DataDocsSite.from_variables().gx_site_config(GX_DIR)}
    return context
