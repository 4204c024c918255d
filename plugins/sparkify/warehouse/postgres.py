"""PostgreSQL, the embedded stand-in for Redshift.

PostgreSQL cannot COPY from S3, so objects are read through the Amazon provider's
S3 hook (its boto3 client) and streamed into the server with ``COPY ... FROM STDIN``:
the events as typed rows (binary COPY) by the reader in
:mod:`sparkify.warehouse.event_reader`, which passes every line it cannot stage as it is
to the server's own parse (``json_populate_record``); where its compiled parser
(native/event_lines) is not installed, it passes every line on and the server parses
them all. The song objects go in as raw text.
The provider's hook hands out psycopg 3 connections.
"""

from __future__ import annotations

import logging
import tempfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from sparkify import sql_files
from sparkify.warehouse import schema
from sparkify.warehouse.base import HourWindow, ReaderTally, Reconcile, StageResult, Warehouse, WarehouseUnreachableError
from sparkify.warehouse.event_reader import BOM, COPY_HEADER, COPY_TRAILER, EventReader, escape_copy_text, text_defect

if TYPE_CHECKING:
    from airflow.providers.amazon.aws.hooks.s3 import S3Hook

log = logging.getLogger(__name__)

# Objects fetched at once when staging songs: S3 latency, not CPU, bounds this step.
SONG_FETCH_WORKERS = 32
_READ_AHEAD = 4
# autovacuum_analyze_scale_factor's default: the share of a table written that calls for ANALYZE.
AUTOANALYZE_SHARE = 0.1
_CHUNK = 1 << 20
# Lines passed on to the server stay in memory up to this size, then go to a temporary file.
_PASSED_ON_IN_MEMORY = 16 << 20


class PostgresWarehouse(Warehouse):
    kind = "postgres"

    def _connect(self):
        from airflow.providers.postgres.hooks.postgres import PostgresHook

        import psycopg

        try:
            conn = PostgresHook(postgres_conn_id=self.conn_id).get_conn()
        except psycopg.OperationalError as error:
            raise WarehouseUnreachableError(self.conn_id, error) from None
        # Client-side binding, as on Redshift: CREATE TABLE AS takes no server-side parameters.
        conn.cursor_factory = psycopg.ClientCursor
        return conn

    def ddl_placeholders(self) -> dict[str, Any]:
        return {"long_text": "text", "table_attributes": _NoAttributes()}

    def _lock_ddl(self, cursor) -> None:
        # Two runs creating the same tables at once would collide in pg_type.
        cursor.execute("select pg_advisory_xact_lock(hashtext('sparkify_create_tables'))")

    def _refresh_statistics(self, cursor, table: str, rows_written: int) -> None:
        # Without fresh statistics the planner takes a just-written table for empty and
        # picks nested loops (for a just-built audit table, the gate's referential checks
        # took seconds per 100k plays instead of milliseconds). Autovacuum analyzes a
        # table once a tenth of it changed, but only after the commit and its next wake;
        # the next step plans against the table before that, so the same rule runs here.
        # Below it, the table's statistics stand (an hour of a long history changes them
        # little, and ANALYZE's sample of up to 30,000 rows would cost every hour).
        cursor.execute(sql_files.read("ddl/postgres/select_known_rows.sql").strip().rstrip(";"), {"table": schema.table(table)})
        known_rows = cursor.fetchone()[0]
        if known_rows < 0 or rows_written > AUTOANALYZE_SHARE * known_rows:
            cursor.execute(f"analyze {schema.table(table)}")

    def _create_backend_extras(self, cursor) -> None:
        self.execute_script(cursor, sql_files.read("ddl/postgres/create_staging_extras.sql"))

    def stage_events(
        self, s3: S3Hook, bucket: str, keys: Sequence[str], jsonpaths_key: str, window: HourWindow, reconcile: Reconcile
    ) -> StageResult:
        # The JSONPaths file is Redshift's column mapping; here the reader's field list
        # (sparkify.warehouse.event_reader) and the record type in sql/ddl/postgres/ map the same keys.
        client = s3.get_conn()
        with tempfile.SpooledTemporaryFile(_PASSED_ON_IN_MEMORY) as passed_on, self.transaction() as cursor:
            self.execute_script(cursor, sql_files.read("stage/clear_events_hour.sql"), window.params)
            self.execute_script(cursor, sql_files.read("stage/postgres/create_raw_lines.sql"))
            reader, objects = self._copy_events(cursor, client, bucket, keys, window, passed_on)
            copied = cursor.rowcount
            if objects:
                cursor.executemany(sql_files.read("stage/postgres/insert_event_object.sql"), objects)
            passed_on.seek(0)
            _copy_in(cursor, "stage/postgres/copy_raw_lines.sql", iter(lambda: passed_on.read(_CHUNK), b""))
            if reader.defects:
                cursor.executemany(
                    sql_files.read("stage/postgres/insert_line_defect.sql"),
                    [{"line_no": line_no, "reason": reason} for line_no, reason in reader.defects],
                )
            self._parse_event_lines(cursor, checked=bool(reader.defects))
            cursor.execute(sql_files.read("stage/postgres/select_new_fields.sql"), {"lines": reader.passed_on_lines})
            new_fields = sorted({*reader.new_fields, *filter(None, cursor.fetchone()[0].split(", "))})
            return self._place_events(
                cursor,
                window,
                reconcile,
                objects_read=len(keys),
                read_by_reader=ReaderTally(staged=reader.staged, other_hours=reader.other_hours, copied=copied),
                new_fields=", ".join(new_fields),
            )

    def _copy_events(
        self, cursor, client, bucket: str, keys: Sequence[str], window: HourWindow, passed_on
    ) -> tuple[EventReader, list[dict[str, Any]]]:
        """COPYs the rows the reader stages from ``keys`` into staging_events; the reader
        (its counts, and the lines it wrote to ``passed_on``) and each object's lines."""
        reader = EventReader(window, passed_on)
        objects = []
        with cursor.copy(sql_files.read("stage/postgres/copy_staged_events.sql")) as copy:
            copy.write(COPY_HEADER)
            for key in keys:
                first_line = reader.lines + 1
                body = client.get_object(Bucket=bucket, Key=key)["Body"]
                for rows in reader.blocks(key, body.iter_chunks(_CHUNK)):
                    copy.write(rows)
                objects.append({"source_key": key, "first_line": first_line, "last_line": reader.lines})
            copy.write(COPY_TRAILER)
        return reader, objects

    def _parse_event_lines(self, cursor, *, checked: bool) -> None:
        import psycopg

        if not checked:
            try:
                # A savepoint: one bad line aborts only this attempt.
                with cursor.connection.transaction():
                    self.execute_script(cursor, sql_files.render("stage/postgres/parse_event_lines.sql", checked=False))
                return
            except psycopg.DataError as error:
                log.info("A line does not parse (%s); checking each line", str(error).splitlines()[0])
        self.execute_script(cursor, sql_files.render("stage/postgres/parse_event_lines.sql", checked=True))

    def stage_songs(self, s3: S3Hook, bucket: str, candidates: Mapping[str, str], window: HourWindow, reconcile: Reconcile) -> StageResult:
        fetch = _object_reader(s3, bucket, SONG_FETCH_WORKERS)

        def rows(keys: Mapping[str, str]) -> Iterator[bytes]:
            for (key, etag), body in zip(keys.items(), _in_order(fetch, keys, SONG_FETCH_WORKERS)):
                body = body.removeprefix(BOM)
                defect = text_defect(body)
                if defect is not None:
                    body = body.decode("utf-8", "backslashreplace").replace("\x00", "\\x00").encode()
                fields = [escape_copy_text(key.encode()), escape_copy_text(etag.encode()), escape_copy_text(body)]
                fields.append(b"\\N" if defect is None else escape_copy_text(defect.encode()))
                yield b"\t".join(fields).replace(b"\n", b"\\n") + b"\n"

        params = {**window.params, "source": reconcile.source, "max_quarantined_share": reconcile.max_quarantined_share}
        with self.transaction() as cursor:
            keys = self._claim_song_objects(cursor, candidates)
            if not keys:
                return StageResult(objects=0, rows=0)
            self.execute_script(cursor, sql_files.read("stage/postgres/create_raw_songs.sql"))
            _copy_in(cursor, "stage/postgres/copy_raw_songs.sql", rows(keys))
            self.execute_script(cursor, sql_files.read("stage/postgres/create_new_songs.sql"))
            inserted = self.execute_script(cursor, sql_files.read("stage/merge_staging_songs.sql"), params)
            self._refresh_statistics(cursor, "staging_songs", inserted["staging_songs"])
            return StageResult(
                objects=len(keys), rows=inserted["staging_songs"], records=len(keys), quarantined=inserted["quarantine"]
            )


class _NoAttributes(dict):
    """PostgreSQL tables take no distribution or sort clauses."""

    def __missing__(self, table: str) -> str:
        return ""


def _object_reader(s3: S3Hook, bucket: str, connections: int) -> Callable[[str], bytes]:
    """A function reading one object of ``bucket`` whole, safe to call from ``connections``
    threads at once.

    It reads a presigned URL through botocore's HTTP session, as the S3 client would,
    with the connection's verification, proxies and timeouts. For objects of a few hundred
    bytes, such as the song objects, the client's own request path (endpoint rules,
    event hooks, response parsing, checksums) cost twice the processor time of the
    request itself, and those threads share one core. A read answered other than 200 OK
    or not at all is made again through the client, so its retries and its error stay
    the step's.
    """
    from botocore.awsrequest import AWSRequest
    from botocore.config import Config
    from botocore.exceptions import ClientError, HTTPClientError
    from botocore.httpsession import URLLib3Session

    client = s3.get_client_type(config=Config(max_pool_connections=connections))
    config = client.meta.config
    session = URLLib3Session(
        verify=True if s3.verify is None else s3.verify,
        proxies=config.proxies,
        timeout=(config.connect_timeout, config.read_timeout),
        max_pool_connections=connections,
        proxies_config=config.proxies_config,
    )

    def read(key: str) -> bytes:
        url = client.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key})
        try:
            response = session.send(AWSRequest(method="GET", url=url).prepare())
        except HTTPClientError:
            response = None
        if response is not None and response.status_code == 200:
            return response.content
        try:
            return client.get_object(Bucket=bucket, Key=key)["Body"].read()
        except ClientError as error:
            error.add_note(f"reading s3://{bucket}/{key}")
            raise

    return read


def _in_order(read: Callable[[str], bytes], keys: Iterable[str], threads: int) -> Iterator[bytes]:
    """``read`` of each key, in order, on ``threads`` threads, at most ``_READ_AHEAD``
    reads a thread ahead of the consumer. ``Executor.map`` submits every key before the
    first result: for the catalogue's 14,896 objects, 1.3 s before the first row could
    go to the server, and every body held until written."""
    with ThreadPoolExecutor(threads, thread_name_prefix="song-fetch") as pool:
        ahead: deque = deque()
        for key in keys:
            ahead.append(pool.submit(read, key))
            if len(ahead) >= _READ_AHEAD * threads:
                yield ahead.popleft().result()
        while ahead:
            yield ahead.popleft().result()


def _copy_in(cursor, sql_file: str, chunks: Iterable[bytes]) -> None:
    with cursor.copy(sql_files.read(sql_file)) as copy:
        for chunk in chunks:
            copy.write(chunk)
