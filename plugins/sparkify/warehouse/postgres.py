"""PostgreSQL, the embedded stand-in for Redshift.

PostgreSQL cannot COPY from S3, so objects are read through the Amazon provider's
S3 hook (its boto3 client) and streamed into the server with ``COPY ... FROM STDIN``;
the JSON is parsed by the server (``json_populate_record``), never row by row here.
The provider's hook hands out psycopg 3 connections.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from sparkify import sql_files
from sparkify.warehouse import schema
from sparkify.warehouse.base import HourWindow, StageResult, Warehouse

if TYPE_CHECKING:
    from airflow.providers.amazon.aws.hooks.s3 import S3Hook

log = logging.getLogger(__name__)

# Objects fetched at once when staging songs: S3 latency, not CPU, bounds this step.
SONG_FETCH_WORKERS = 32
_CHUNK = 1 << 20
# COPY's text format gives these bytes a meaning; escaped, they arrive as written.
_TEXT_ESCAPES = ((b"\\", b"\\\\"), (b"\t", b"\\t"), (b"\r", b"\\r"))


def escape_copy_text(data: bytes) -> bytes:
    """``data`` escaped for one column of COPY's text format (newlines still end rows)."""
    for raw, escaped in _TEXT_ESCAPES:
        data = data.replace(raw, escaped)
    return data


class PostgresWarehouse(Warehouse):
    kind = "postgres"

    def _connect(self):
        from airflow.providers.postgres.hooks.postgres import PostgresHook

        import psycopg

        conn = PostgresHook(postgres_conn_id=self.conn_id).get_conn()
        # Client-side binding, as on Redshift: CREATE TABLE AS takes no server-side parameters.
        conn.cursor_factory = psycopg.ClientCursor
        return conn

    def ddl_placeholders(self) -> dict[str, Any]:
        return {"long_text": "text", "table_attributes": _NoAttributes()}

    def _lock_ddl(self, cursor) -> None:
        # Two runs creating the same tables at once would collide in pg_type.
        cursor.execute("select pg_advisory_xact_lock(hashtext('sparkify_create_tables'))")

    def _refresh_statistics(self, cursor, table: str) -> None:
        # Without fresh statistics the planner takes a just-built audit table for empty
        # and picks nested-loop anti-joins for the gate's referential checks (seconds
        # per 100k plays instead of milliseconds).
        cursor.execute(f"analyze {schema.table(table)}")

    def _create_backend_extras(self, cursor) -> None:
        self.execute_script(cursor, sql_files.read("ddl/postgres/create_staging_extras.sql"))

    def stage_events(self, s3: S3Hook, bucket: str, key: str, jsonpaths_key: str, window: HourWindow) -> StageResult:
        # The JSONPaths file is Redshift's column mapping; here the record type in
        # sql/ddl/postgres/ maps the same keys.
        body = _get_object_body(s3, bucket, key)
        params = {**window.params, "source_key": key}
        with self.transaction() as cursor:
            self.execute_script(cursor, sql_files.read("stage/delete_staging_events.sql"), params)
            if body is None:
                log.info("s3://%s/%s does not exist: the hour has no events", bucket, key)
                return StageResult(objects=0, rows=0)
            self.execute_script(cursor, sql_files.read("stage/postgres/create_raw_lines.sql"))
            _copy_in(cursor, "stage/postgres/copy_raw_lines.sql", (escape_copy_text(c) for c in body.iter_chunks(_CHUNK)))
            rows = self.execute_script(cursor, sql_files.read("stage/postgres/insert_staging_events.sql"), params)["staging_events"]
        return StageResult(objects=1, rows=rows)

    def stage_songs(self, s3: S3Hook, bucket: str, keys: Mapping[str, str], window: HourWindow) -> StageResult:
        if not keys:
            return StageResult(objects=0, rows=0)
        from botocore.config import Config

        client = s3.get_client_type(config=Config(max_pool_connections=SONG_FETCH_WORKERS))

        def fetch(key: str) -> bytes:
            return client.get_object(Bucket=bucket, Key=key)["Body"].read()

        def rows() -> Iterator[bytes]:
            with ThreadPoolExecutor(SONG_FETCH_WORKERS, thread_name_prefix="song-fetch") as pool:
                for (key, etag), body in zip(keys.items(), pool.map(fetch, keys)):
                    fields = (escape_copy_text(key.encode()), escape_copy_text(etag.encode()), escape_copy_text(body))
                    yield b"\t".join(fields).replace(b"\n", b"\\n") + b"\n"

        with self.transaction() as cursor:
            self.execute_script(cursor, sql_files.read("stage/postgres/create_raw_songs.sql"))
            _copy_in(cursor, "stage/postgres/copy_raw_songs.sql", rows())
            self.execute_script(cursor, sql_files.read("stage/postgres/create_new_songs.sql"))
            staged = self.execute_script(cursor, sql_files.read("stage/merge_staging_songs.sql"), window.params)["staging_songs"]
        return StageResult(objects=len(keys), rows=staged)


class _NoAttributes(dict):
    """PostgreSQL tables take no distribution or sort clauses."""

    def __missing__(self, table: str) -> str:
        return ""


def _copy_in(cursor, sql_file: str, chunks: Iterable[bytes]) -> None:
    with cursor.copy(sql_files.read(sql_file)) as copy:
        for chunk in chunks:
            copy.write(chunk)


def _get_object_body(s3: S3Hook, bucket: str, key: str):
    client = s3.get_conn()
    try:
        return client.get_object(Bucket=bucket, Key=key)["Body"]
    except client.exceptions.NoSuchKey:
        return None
