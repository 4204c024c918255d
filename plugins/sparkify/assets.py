"""The Airflow assets Sparkify publishes: one per star table, updated by ``publish``
only after both quality gates passed, so DAGs scheduled on them see validated hours only."""

from __future__ import annotations

from airflow.sdk import Asset

from sparkify.warehouse.schema import STAR_TABLES


def published_table(table: str) -> Asset:
    """The asset of the published star table ``table``."""
    if table not in STAR_TABLES:
        raise ValueError(f"{table!r} is not a published star table; one of {', '.join(STAR_TABLES)}")
    return Asset(name=f"sparkify.{table}", group="sparkify")
