"""Direct access to the local warehouse for the ./sparkify commands (not used by the DAG)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sparkify import sql_files
from sparkify_lab.stack import DATABASE, PG_USER, LocalStack


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


def recreate_database(stack: LocalStack, name: str) -> None:
    """Drops the local server's database ``name`` if it is there, then creates it empty."""
    import psycopg2
    from psycopg2 import sql

    conn = psycopg2.connect(host="127.0.0.1", port=stack.pg_port, user=PG_USER, dbname="postgres")
    try:
        conn.autocommit = True
        with conn.cursor() as cursor:
            cursor.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))
            cursor.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
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


def fingerprints(stack: LocalStack) -> dict[str, tuple[int, str]]:
    """Each star table's row count and the md5 of all its rows in order: equal
    fingerprints mean equal tables."""
    from sparkify.warehouse import schema

    result = {}
    for table in schema.STAR_TABLES:
        columns = ", ".join(schema.TABLE_COLUMNS[table])
        _, [(count, digest)] = run_query(
            stack,
            f"select count(*), coalesce(md5(string_agg(r::text, '|' order by r::text)), '') "
            f"from (select {columns} from {table}) as r",
        )
        result[table] = (count, digest)
    return result
