"""The one small interface the operators talk to; PostgreSQL and Redshift sit behind it."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

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
        return {
            "data_interval_start": start.replace(tzinfo=None),
            "data_interval_end": end.replace(tzinfo=None),
            "start_epoch_ms": round(start.timestamp() * 1000),
            "end_epoch_ms": round(end.timestamp() * 1000),
        }



class HourNotBuiltError(RuntimeError):
    """Publish was asked for an hour whose audit tables do not hold it."""


@dataclass(frozen=True)
class StageResult:
    """What a stage step did: objects read and rows that landed in staging."""

    objects: int
    rows: int


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
    def stage_events(self, s3: S3Hook, bucket: str, key: str, jsonpaths_key: str, window: HourWindow) -> StageResult:
        """Replaces the window's staging_events rows with the events of ``key`` inside the window."""

    @abstractmethod
    def stage_songs(self, s3: S3Hook, bucket: str, keys: Mapping[str, str], window: HourWindow) -> StageResult:
        """Stages the song objects ``keys`` (key -> ETag) and records them as loaded."""

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

    def loaded_song_objects(self) -> dict[str, str]:
        """Song object key -> ETag of every object already staged."""
        with self.transaction() as cursor:
            cursor.execute(sql_files.read("stage/select_staged_song_objects.sql"))
            return dict(cursor.fetchall())

    def hour_has_rows(self, table: str, window: HourWindow) -> bool:
        """Whether ``table`` holds rows of the window's hour (its ``batch_hour`` column)."""
        schema.column(table, "batch_hour")
        with self.transaction() as cursor:
            cursor.execute(sql_files.render("quality/count_batch_rows.sql", table=table).strip().rstrip(";"), window.params)
            return cursor.fetchone()[0] > 0

    def query_row(self, sql_file: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """The one row ``sql/<sql_file>`` returns, by column name."""
        with self.transaction() as cursor:
            cursor.execute(sql_files.read(sql_file).strip().rstrip(";"), params)
            row = cursor.fetchone()
            return dict(zip((d[0] for d in cursor.description), row))

    def run_script(self, sql_file: str, params: Mapping[str, Any]) -> dict[str, int]:
        """Runs ``sql/<sql_file>`` in one transaction; returns the rows each table gained."""
        with self.transaction() as cursor:
            return self.execute_script(cursor, sql_files.read(sql_file), params)

    def build(self, star_table: str, window: HourWindow) -> int:
        """Writes the window's rows of ``star_table`` into its audit table; returns their number."""
        audit_table = schema.AUDIT_TABLES[schema.table(star_table)]
        with self.transaction() as cursor:
            rows = self.execute_script(cursor, sql_files.read(f"build/{star_table}.sql"), window.params)[audit_table]
            self._refresh_statistics(cursor, audit_table)
            return rows

    def _refresh_statistics(self, cursor, table: str) -> None:
        """Planner statistics for ``table`` after a bulk write (no-op where the warehouse
        keeps them itself)."""

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
