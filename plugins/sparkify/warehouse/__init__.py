"""Warehouse backends. Which one runs follows from the warehouse connection's type."""

from __future__ import annotations

from sparkify.warehouse.base import HourWindow, Reconcile, StageResult, Warehouse


def for_connection(conn_id: str, aws_conn_id: str = "aws_default") -> Warehouse:
    """The backend for the Airflow connection ``conn_id``: ``redshift`` or ``postgres``."""
    from airflow.sdk import BaseHook

    conn_type = BaseHook.get_connection(conn_id).conn_type
    if conn_type == "redshift":
        from sparkify.warehouse.redshift import RedshiftWarehouse

        return RedshiftWarehouse(conn_id, aws_conn_id=aws_conn_id)
    if conn_type in ("postgres", "postgresql"):
        from sparkify.warehouse.postgres import PostgresWarehouse

        return PostgresWarehouse(conn_id)
    raise ValueError(f"connection {conn_id!r} has type {conn_type!r}; the warehouse must be 'redshift' or 'postgres'")


__all__ = ["HourWindow", "Reconcile", "StageResult", "Warehouse", "for_connection"]
