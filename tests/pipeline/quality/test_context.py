"""The GX file context follows the warehouse connection and keeps secrets out of gx/."""

from __future__ import annotations

import json

import pytest

from sparkify.quality.context import GX_ROOT, open_context, warehouse_url


@pytest.fixture
def redshift_connection(monkeypatch):
    monkeypatch.setenv(
        "AIRFLOW_CONN_REDSHIFT_GX",
        json.dumps(
            {
                "conn_type": "redshift",
                "host": "example.abc123.us-west-2.redshift.amazonaws.com",
                "port": 5439,
                "login": "sparkify",
                "password": "p@ss:w/rd#1",  # pragma: allowlist secret (a test value)
                "schema": "dev",
            }
        ),
    )
    return "redshift_gx"


def test_a_redshift_connection_gives_a_sqlalchemy_redshift_url_with_the_password_escaped(redshift_connection):
    url = warehouse_url(redshift_connection)

    assert url.drivername == "redshift+psycopg2"
    assert url.password == "p@ss:w/rd#1"  # pragma: allowlist secret (a test value)
    assert "p%40ss%3Aw%2Frd%231" in url.render_as_string(hide_password=False)
    # PostgreSQL's setting for parallel workers, which the gates' sessions set there, is unknown to Redshift.
    assert not url.query


def test_gx_validates_redshift_through_the_sqlalchemy_redshift_dialect(redshift_connection):
    context = open_context(redshift_connection)

    engine = context.data_sources.get("warehouse").get_engine()

    assert engine.dialect.name == "redshift"


def test_opening_the_context_writes_no_secret_under_gx(redshift_connection):
    config = GX_ROOT / "gx" / "great_expectations.yml"
    before = config.read_text()

    open_context(redshift_connection).data_sources.get("warehouse")

    assert config.read_text() == before
    assert "${SPARKIFY_WAREHOUSE_URL}" in before
    assert not any("p@ss" in p.read_text() for p in (GX_ROOT / "gx").rglob("*") if p.is_file() and "uncommitted" not in p.parts)
