"""Direct access to the local warehouse for the ./sparkify commands (not used by the DAG)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sparkify.local.stack import DATABASE, PG_USER, LocalStack
from sparkify import sql_files


def connect(stack: LocalStack):
    import psycopg2

    return psycopg2.connect(host="127.0.0.1", port=stack.pg_port, user=PG_USER, dbname=DATABASE)


def run_query(stack: LocalStack, sql: str, params: Mapping[str, Any] | None = None) -> tuple[list[str], list[tuple]]:
    conn = connect(stack)
    try:
        with conn, conn.cursor() as cursor:
            cursor.execute(sql, params)
            if cursor.description is None:
                return [], []
            return [d[0] for d in cursor.description], cursor.fetchall()
    finally:
        conn.close()


def drop_all_tables(stack: LocalStack) -> None:
    """Drops every warehouse table and the stage record types; the next run recreates them."""
    conn = connect(stack)
    try:
        with conn, conn.cursor() as cursor:
            cursor.execute(sql_files.read("ddl/drop_tables.sql"))
    finally:
        conn.close()
