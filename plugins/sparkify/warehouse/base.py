"""The one small interface the operators talk to; PostgreSQL and Redshift sit behind it."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from airflow.sdk.exceptions import AirflowFailException

from sparkify import sql_files
from sparkify.warehouse import schema

if TYPE_CHECKING:
    from airflow.providers.amazon.aws.hooks.s3 import S3Hook


@dataclass(frozen=True)
class HourWindow:
    """The run's data interval, [start, end), in UTC."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("a data interval needs timezone-aware datetimes")
        if self.end <= self.start:
            raise ValueError(f"empty data interval [{self.start}, {self.end})")

    @classmethod
    def from_context(cls, context: Mapping[str, Any]) -> HourWindow:
        """The run's data interval; never the wall clock."""
        return cls(context["data_interval_start"], context["data_interval_end"])

    @property
    def params(self) -> dict[str, Any]:
        """Bind parameters every SQL file may use; timestamps are naive UTC like the columns."""
        start = self.start.astimezone(timezone.utc)
        end = self.end.astimezone(timezone.utc)
        day_start = start.replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
        return {
            "data_interval_start": start.replace(tzinfo=None),
            "data_interval_end": end.replace(tzinfo=None),
            # The day of the hour's log objects: a record outside it belongs to no hour they serve.
            "day": f"{day_start:%Y-%m-%d}",
            "day_start": day_start,
            "day_end": day_start + timedelta(days=1),
            "start_epoch_ms": round(start.timestamp() * 1000),
            "end_epoch_ms": round(end.timestamp() * 1000),
        }


class WarehouseUnreachableError(AirflowFailException):
    """The warehouse refused or did not answer the connection; retrying will not help soon."""

    def __init__(self, conn_id: str, error: Exception) -> None:
        detail = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        super().__init__(f"warehouse connection {conn_id!r}: cannot connect ({detail})")


class HourNotBuiltError(RuntimeError):
    """Publish was asked for an hour whose audit tables do not hold it."""


@dataclass(frozen=True)
class StageResult:
    """What a stage step did: objects and records read, rows that landed in staging,
    records quarantined and records left to other hours, and the first quarantined
    record of the worst object with the kind of its fault."""

    objects: int
    rows: int
    records: int = 0
    quarantined: int = 0
    other_hours: int = 0
    worst: str | None = None
    new_fields: str | None = None

    @classmethod
    def from_reconciliation(cls, row: Mapping[str, Any]) -> StageResult:
        worst = None
        if row["worst_source_key"] is not None:
            line = row["worst_source_line"]
            where = f"{row['worst_source_key']} line {line}" if line is not None else row["worst_source_key"]
            # The kind of fault only: its detail may quote the record's values (table quarantine has it).
            worst = f"{where}: {row['worst_reason'].split(':')[0]}"
        return cls(
            objects=row["objects_read"],
            rows=row["staged"],
            records=row["records_read"],
            quarantined=row["quarantined"],
            other_hours=row["other_hours"],
            worst=worst,
            new_fields=row["new_fields"],
        )


@dataclass(frozen=True)
class Reconcile:
    """How a stage step accounts for what it read.

    :param source: what was read, as people name it (an S3 prefix)
    :param max_quarantined_share: the share of the hour's records that may be
        quarantined before the reconciliation gate fails the hour
    """

    source: str
    max_quarantined_share: float


@dataclass(frozen=True)
class ReaderTally:
    """The records a backend's own reader placed before the shared placement ran: staged,
    and left to other hours of the day (PostgreSQL's reader; none on Redshift)."""

    staged: int = 0
    other_hours: int = 0
    # The rows the server reports the reader's COPY wrote: the balance counts these as
    # staged against the reader's own count above.
    copied: int = 0


class QueryFiles:
    """Queries from sql/ files on one cursor, their rows by column name."""

    def __init__(self, cursor) -> None:
        self._cursor = cursor

    def rows(self, sql_file: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        """The rows ``sql/<sql_file>`` returns."""
        self._cursor.execute(sql_files.read(sql_file).strip().rstrip(";"), params)
        columns = [d[0] for d in self._cursor.description]
        return [dict(zip(columns, row)) for row in self._cursor.fetchall()]

    def row(self, sql_file: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """The one row ``sql/<sql_file>`` returns."""
        [row] = self.rows(sql_file, params)
        return row


class Warehouse(ABC):
    """A warehouse reached through an Airflow connection.

    :param conn_id: the Airflow connection of the warehouse
    """

    kind: str

    def __init__(self, conn_id: str) -> None:
        self.conn_id = conn_id

    @abstractmethod
    def _connect(self):
        """A new DB-API connection from the provider's hook."""

    @abstractmethod
    def ddl_placeholders(self) -> dict[str, Any]:
        """Column types and table attributes that differ between backends."""

    @abstractmethod
    def stage_events(
        self, s3: S3Hook, bucket: str, keys: Sequence[str], jsonpaths_key: str, window: HourWindow, reconcile: Reconcile
    ) -> StageResult:
        """Replaces the window's staging_events rows with the events of ``keys`` inside the
        window, quarantines the records that cannot be staged and records the balance."""

    def _place_events(
        self,
        cursor,
        window: HourWindow,
        reconcile: Reconcile,
        *,
        objects_read: int,
        read_by_reader: ReaderTally = ReaderTally(),
        new_fields: str = "",
    ) -> StageResult:
        """Runs the shared placement of the temp table event_lines after the hour was cleared
        (sql/stage/clear_events_hour.sql) and the reader staged its rows; the balance it recorded."""
        params = {
            **window.params,
            "source": reconcile.source,
            "objects_read": objects_read,
            "max_quarantined_share": reconcile.max_quarantined_share,
            "new_fields": new_fields,
            "reader_staged": read_by_reader.staged,
            "reader_other_hours": read_by_reader.other_hours,
        }
        placed = self.execute_script(cursor, sql_files.render("stage/place_events.sql"), params)
        # Not a count(*) of the hour: after a million-row COPY it read every row again (0.3 to 0.4 s).
        staged = read_by_reader.copied + placed.get("staging_events", 0)
        self.execute_script(cursor, sql_files.render("stage/record_events_balance.sql"), {**params, "staged": staged})
        cursor.execute(sql_files.read("stage/select_events_reconciliation.sql").strip().rstrip(";"), params)
        result = StageResult.from_reconciliation(dict(zip((d[0] for d in cursor.description), cursor.fetchone())))
        # The build reads the hour next; planned without statistics, its song match runs
        # as a nested loop (51 s instead of 2.7 s for a million events and 300 songs).
        self._refresh_statistics(cursor, "staging_events", result.rows)
        return result

    @abstractmethod
    def stage_songs(self, s3: S3Hook, bucket: str, candidates: Mapping[str, str], window: HourWindow, reconcile: Reconcile) -> StageResult:
        """Stages those of the song objects ``candidates`` (key -> ETag) not staged yet,
        quarantines those that cannot be staged, records the balance and records every
        object read as loaded; ``objects`` of the result counts the objects read."""

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        """A cursor whose statements commit together or not at all."""
        conn = self._connect()
        try:
            conn.autocommit = False
            with conn.cursor() as cursor:
                yield cursor
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        finally:
            conn.close()

    def execute_script(self, cursor, sql: str, params: Mapping[str, Any] | None = None) -> dict[str, int]:
        """Runs each statement of ``sql`` on ``cursor``; returns the rows each table gained by INSERT."""
        inserted: dict[str, int] = {}
        for statement in sql_files.statements(sql):
            cursor.execute(statement, params if params and "%(" in statement else None)
            words = statement.split(None, 3)
            if [w.lower() for w in words[:2]] == ["insert", "into"]:
                inserted[words[2]] = inserted.get(words[2], 0) + cursor.rowcount
        return inserted

    def create_tables(self) -> None:
        with self.transaction() as cursor:
            self._lock_ddl(cursor)
            self.execute_script(cursor, sql_files.render("ddl/create_tables.sql", **self.ddl_placeholders()))
            self._create_backend_extras(cursor)

    def _lock_ddl(self, cursor) -> None:
        """Serializes concurrent runs creating the tables (no-op where DDL is serialized anyway)."""

    def _create_backend_extras(self, cursor) -> None:
        """Backend-only objects created beside the tables."""

    def _claim_song_objects(self, cursor, candidates: Mapping[str, str]) -> dict[str, str]:
        """Of ``candidates`` (key -> ETag), those not staged with that ETag yet, under a lock
        held to the end of the transaction: concurrent hours stage each object once."""
        self.execute_script(cursor, sql_files.read(f"stage/{self.kind}/lock_song_objects.sql"))
        cursor.execute(sql_files.read("stage/select_staged_song_objects.sql"))
        loaded = dict(cursor.fetchall())
        return {key: etag for key, etag in candidates.items() if loaded.get(key) != etag}

    def has_staged_song_objects(self) -> bool:
        """Whether any song object has been staged yet."""
        with self.transaction() as cursor:
            cursor.execute(sql_files.read("stage/count_any_song_object.sql").strip().rstrip(";"))
            return cursor.fetchone()[0] > 0

    def hour_has_rows(self, table: str, window: HourWindow) -> bool:
        """Whether ``table`` holds rows of the window's hour (its ``batch_hour`` column)."""
        schema.column(table, "batch_hour")
        with self.transaction() as cursor:
            cursor.execute(sql_files.render("quality/count_batch_rows.sql", table=table).strip().rstrip(";"), window.params)
            return cursor.fetchone()[0] > 0

    @contextmanager
    def queries(self) -> Iterator[QueryFiles]:
        """Queries from sql/ files on one connection (a connection costs more than a small query)."""
        with self.transaction() as cursor:
            yield QueryFiles(cursor)

    def query_row(self, sql_file: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """The one row ``sql/<sql_file>`` returns, by column name."""
        with self.queries() as query:
            return query.row(sql_file, params)

    def query_rows(self, sql_file: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        """The rows ``sql/<sql_file>`` returns, by column name."""
        with self.queries() as query:
            return query.rows(sql_file, params)

    def run_script(self, sql_file: str, params: Mapping[str, Any]) -> dict[str, int]:
        """Runs ``sql/<sql_file>`` in one transaction; returns the rows each table gained."""
        with self.transaction() as cursor:
            return self.execute_script(cursor, sql_files.read(sql_file), params)

    def replace_validation_results(self, checkpoint: str, batch_hour: datetime, rows: Sequence[Mapping[str, Any]]) -> None:
        """Replaces what ``checkpoint`` recorded for ``batch_hour`` in validation_results
        with ``rows`` (one per expectation), in one transaction."""
        with self.transaction() as cursor:
            self.execute_script(
                cursor, sql_files.read("quality/delete_validation_results.sql"), {"checkpoint": checkpoint, "batch_hour": batch_hour}
            )
            if rows:
                cursor.executemany(sql_files.read("quality/insert_validation_result.sql").strip().rstrip(";"), rows)

    def build(self, star_table: str, window: HourWindow) -> int:
        """Writes the window's rows of ``star_table`` into its audit table; returns their number."""
        audit_table = schema.AUDIT_TABLES[schema.table(star_table)]
        with self.transaction() as cursor:
            rows = self.execute_script(cursor, sql_files.read(f"build/{star_table}.sql"), window.params)[audit_table]
            self._refresh_statistics(cursor, audit_table, rows)
            return rows

    def _refresh_statistics(self, cursor, table: str, rows_written: int) -> None:
        """Planner statistics for ``table`` after a bulk write of ``rows_written`` rows
        (no-op where the warehouse keeps them itself)."""

    def publish(self, window: HourWindow) -> dict[str, int]:
        """Moves the window's audited rows into the star tables in one transaction; returns
        the rows each star table received."""
        with self.transaction() as cursor:
            cursor.execute(sql_files.read(f"publish/{self.kind}/lock_published.sql"))
            cursor.execute(sql_files.read("publish/count_hour_plays.sql"), window.params)
            staged_plays, audited_plays, published_plays = cursor.fetchone()
            if staged_plays and not audited_plays:
                raise HourNotBuiltError(
                    f"audit_songplays holds no rows of [{window.start}, {window.end}) although staging_events "
                    f"holds {staged_plays} NextSong events: the hour was published already or was never built. "
                    "Rerun the whole hour (clear it from stage_events), not publish alone."
                )
            if not staged_plays and published_plays:
                raise HourNotBuiltError(
                    f"[{window.start}, {window.end}) staged no plays but {published_plays} are published for it: "
                    "its log object is missing or lost its events. Nothing was changed; restore the object and "
                    "rerun the hour (to empty a published hour on purpose, delete its songplays and time rows)."
                )
            inserted = self.execute_script(cursor, sql_files.read("publish/publish_hour.sql"), window.params)
        return {table: inserted.get(table, 0) for table in schema.STAR_TABLES}
