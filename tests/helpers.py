"""Helpers shared by tests: a clean warehouse and bucket, uploads, table snapshots,
and running operators in-process for one hour."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from sparkify.warehouse import schema
from sparkify_lab import dataset
from sparkify_lab.in_process import HourInProcess, InMemoryTaskInstance
from sparkify_lab.stack import BUCKET, LocalStack
from sparkify_lab.warehouse_admin import drop_all_tables, run_query

HOUR = timedelta(hours=1)
# The hour most hand-made fixtures use, and its day's log object.
TEST_HOUR = datetime(2018, 11, 15, 10, tzinfo=timezone.utc)
TEST_DAY_KEY = "log_data/2018/11/2018-11-15-events.json"


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def context_for(hour: datetime) -> dict:
    """A task context for ``hour``: its data interval and a task instance keeping XComs in memory."""
    return {
        "run_id": f"test__{hour.isoformat()}",
        "data_interval_start": hour,
        "data_interval_end": hour + HOUR,
        "ti": InMemoryTaskInstance("task", {}),
    }


def clean(stack: LocalStack) -> None:
    """An empty warehouse (tables recreated), an empty bucket and no GX results or Data Docs."""
    from sparkify.operators import CreateTablesOperator

    drop_all_tables(stack)
    dataset.empty_bucket(stack)
    stack.clear_gx_output()
    CreateTablesOperator(task_id="create_tables").execute({})


def put(stack: LocalStack, key: str, body: str | bytes) -> None:
    client = dataset.aws_client(stack, "s3")
    client.put_object(Bucket=BUCKET, Key=key, Body=body.encode() if isinstance(body, str) else body)


def event_lines(events: list[dict]) -> str:
    """Newline-delimited JSON with no newline at the end, as the real files are."""
    return "\n".join(json.dumps(e) for e in events)


def snapshot(stack: LocalStack, table: str) -> list[tuple]:
    """Every row of ``table`` in a stable order."""
    columns = ", ".join(schema.TABLE_COLUMNS[schema.table(table)])
    _, rows = run_query(stack, f"select {columns} from {table} order by {columns}")
    return rows


def rows(stack: LocalStack, sql: str, params=None) -> list[tuple]:
    return run_query(stack, sql, params)[1]


def song(song_id: str, **fields) -> dict:
    """A song object as the real catalogue has them, with ``fields`` overriding."""
    base = {
        "artist_id": "AR" + song_id[2:],
        "artist_latitude": None,
        "artist_location": "",
        "artist_longitude": None,
        "artist_name": f"Artist {song_id}",
        "duration": 200.0,
        "num_songs": 1,
        "song_id": song_id,
        "title": f"Title {song_id}",
        "year": 2000,
    }
    return {**base, **fields}


def event(ts_ms: int, user_id: str = "7", page: str = "NextSong", **fields) -> dict:
    """A logged-in event as the real logs have them, with ``fields`` overriding."""
    base = {
        "artist": "Some Artist",
        "auth": "Logged In",
        "firstName": "Ana",
        "gender": "F",
        "itemInSession": 0,
        "lastName": "Lima",
        "length": 200.0,
        "level": "free",
        "location": "Porto, PT",
        "method": "PUT",
        "page": page,
        "registration": 1540000000000.0,
        "sessionId": 1,
        "song": "Some Song",
        "status": 200,
        "ts": ts_ms,
        "userAgent": "Mozilla/5.0",
        "userId": user_id,
    }
    return {**base, **fields}


def put_songs(stack: LocalStack, songs: list[dict]) -> None:
    for s in songs:
        put(stack, f"song_data/A/B/C/TR{s['song_id']}.json", json.dumps(s))


def ms(hour: datetime, minutes: float = 0) -> int:
    return int(hour.timestamp() * 1000 + minutes * 60_000)


def run_hour_in_process(hour: datetime, dag=None, before_warehouse_gate=None) -> dict:
    """Executes the hourly DAG's own tasks for ``hour`` in dependency order, in this process,
    for fast tests of the SQL and operators; returns the extras of the asset events
    emitted, by asset name. ``before_warehouse_gate`` is called once, after the builds
    and before the first task of the ``validate_warehouse`` gate (to tamper with the
    audit rows)."""
    pending = [before_warehouse_gate] if before_warehouse_gate else []

    def before_task(task_id: str) -> None:
        if pending and task_id == "validate_warehouse":
            pending.pop()()

    return HourInProcess(hour, dag).run_all(before_task)


def listening_addresses(pids: list[int]) -> set[tuple[str, int]]:
    """(address, port) of every TCP socket listening in the processes ``pids`` or their children."""
    import psutil

    processes = []
    for pid in pids:
        parent = psutil.Process(pid)
        processes += [parent, *parent.children(recursive=True)]
    found = set()
    for process in processes:
        try:
            connections = process.net_connections(kind="tcp")
        except psutil.NoSuchProcess:
            continue
        found |= {(c.laddr.ip, c.laddr.port) for c in connections if c.status == psutil.CONN_LISTEN}
    return found


def loopback_only(addresses: set[tuple[str, int]]) -> bool:
    return all(ip in ("127.0.0.1", "::1") for ip, _ in addresses)


# Every table a run writes (run_steps is bookkeeping, keyed by run).
RUN_TABLES = [
    "staging_events",
    "staging_songs",
    "staging_song_objects",
    "quarantine",
    "stage_reconciliation",
    *schema.STAR_TABLES,
    *schema.AUDIT_TABLES.values(),
]


def warehouse(stack: LocalStack) -> dict[str, list[tuple]]:
    return {table: snapshot(stack, table) for table in RUN_TABLES}


def without_song_stager(tables: dict[str, list[tuple]]) -> dict[str, list[tuple]]:
    """``tables`` without the hour that staged each song object: with hours running at
    once, whichever claims a new object first stages it (the catalogue is not hourly
    data); every row and every other column must still match."""
    hour_of = {table: schema.TABLE_COLUMNS[table].index("batch_hour") for table in ("staging_songs", "staging_song_objects")}
    stage_column = schema.TABLE_COLUMNS["stage_reconciliation"].index("stage")
    trimmed = dict(tables)
    for table, column in hour_of.items():
        trimmed[table] = sorted((row[:column] + row[column + 1 :] for row in tables[table]), key=repr)
    trimmed["stage_reconciliation"] = sorted(
        ((None, *row[1:]) if row[stage_column] == "songs" else row for row in tables["stage_reconciliation"]), key=repr
    )
    return trimmed
