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

    def execute_script(self, cursor, sql: str, params: Mapping[str, Any] | None = None) -> int:
        """Runs each statement of ``sql`` on ``cursor``; returns the row count of its last insert."""
        inserted = 0
        for statement in sql_files.statements(sql):
            cursor.execute(statement, params if params and "%(" in statement else None)
            if statement.lower().startswith("insert"):
                inserted = cursor.rowcount
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

    def load(self, sql: str, window: HourWindow) -> int:
        """Runs a load script (see ``sql/load/modes/``) in one transaction; returns rows inserted."""
        with self.transaction() as cursor:
            return self.execute_script(cursor, sql, window.params)


def render_load(
    mode: str,
    *,
    target: str,
    select_file: str,
    key_columns: tuple[str, ...] = (),
    order_column: str | None = None,
    partition_column: str | None = None,
) -> str:
    """The load script for ``target``: ``select_file`` wrapped in the mode's DML.

    Every identifier is checked against the schema allow-list first.
    """
    templates = {
        "replace-partition": "load/modes/replace_partition.sql",
        "truncate-insert": "load/modes/truncate_insert.sql",
        "append": "load/modes/append.sql",
        "upsert": "load/modes/upsert.sql",
    }
    if mode not in templates:
        raise ValueError(f"unknown load mode {mode!r}; one of {', '.join(templates)}")
    schema.table(target)
    for name in (*key_columns, order_column, partition_column):
        if name is not None:
            schema.column(target, name)
    if mode in ("append", "upsert") and not key_columns:
        raise ValueError(f"{mode} into {target} needs key_columns")
    if mode == "replace-partition" and partition_column is None:
        raise ValueError(f"replace-partition into {target} needs partition_column")
    return sql_files.render(
        templates[mode],
        target=target,
        columns=schema.TABLE_COLUMNS[target],
        select_sql=sql_files.read(select_file).strip().rstrip(";"),
        key_columns=key_columns,
        order_column=order_column,
        partition_column=partition_column,
    )
