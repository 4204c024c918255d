"""Faults: a load killed mid-write, hours run concurrently, hours rerun, the stack
restarted between runs. Each compares every warehouse table, row for row, with what
an undisturbed run leaves.

The hourly DAG's own tasks run in separate processes (``HourInProcess``), so a test
can kill one while its transaction is open, or run four at once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime

import pytest
from helpers import (
    HOUR,
    TEST_DAY_KEY,
    TEST_HOUR,
    clean,
    event,
    ms,
    put,
    put_songs,
    rows,
    run_hour_in_process,
    snapshot,
    song,
    warehouse,
    without_song_stager,
)

from sparkify.warehouse import schema
from sparkify_lab import dataset
from sparkify_lab.in_process import HourInProcess
from sparkify_lab.warehouse_admin import connect

pytestmark = pytest.mark.integration

H = TEST_HOUR
HOURS = [H + n * HOUR for n in range(4)]
def the_day(version: str = "a") -> str:
    """Four hours of plays by three listeners whose levels change across the hours, a
    few plays of catalogue songs, a malformed line and a duplicate; ``version`` b
    changes the first hour's plays."""
    lines = []
    for n, hour in enumerate(HOURS):
        for i in range(24):
            if version == "b" and n == 0 and i >= 12:
                break
            user = str(7 + i % 3)
            played = {"song": "Yellow", "artist": "Coldplay", "length": 266.0} if i % 4 == 0 else {}
            level = "paid" if (n + i + (version == "b")) % 2 else "free"
            lines.append(json.dumps(event(ms(hour, 2 * i + 1), user, itemInSession=i, sessionId=10 * n + i % 3, level=level, **played)))
    lines.insert(7, '{"ts": oops}')
    lines.append(lines[30])
    return "\n".join(lines)


def put_input(stack, version: str = "a") -> None:
    put_songs(stack, [song("SOYEL", title="Yellow", artist_name="Coldplay", duration=266.0), song("SOOTH")])
    put(stack, TEST_DAY_KEY, the_day(version))


def in_subprocess(hour: datetime, *task_ids: str) -> subprocess.Popen:
    """The hourly DAG's tasks for ``hour`` (all of them when none is named) in a new process."""
    code = (
        "import sys; from datetime import datetime; from sparkify_lab.in_process import HourInProcess\n"
        "hour = HourInProcess(datetime.fromisoformat(sys.argv[1]))\n"
        "tasks = sys.argv[2:]\n"
        "[hour.run_task(t) for t in tasks] if tasks else hour.run_all()\n"
    )
    return subprocess.Popen([sys.executable, "-c", code, hour.isoformat(), *task_ids], env=os.environ.copy())


@pytest.fixture(scope="module")
def sequential(stack) -> dict[str, list[tuple]]:
    """The warehouse after the four hours run one after another, undisturbed."""
    clean(stack)
    put_input(stack)
    for hour in HOURS:
        run_hour_in_process(hour)
    return warehouse(stack)


def test_the_fixture_day_exercises_quarantine_and_merges(sequential):
    assert len(sequential["songplays"]) == 96
    assert len(sequential["users"]) == 3
    assert [r for r in sequential["quarantine"] if "duplicate" in r[5]] != []
    assert [r for r in sequential["quarantine"] if r[5].startswith("not JSON")] != []


def test_four_hours_run_concurrently_equal_the_same_hours_run_one_after_another(stack, sequential):
    clean(stack)
    put_input(stack)

    runs = [in_subprocess(hour) for hour in reversed(HOURS)]
    codes = [run.wait(timeout=600) for run in runs]

    assert codes == [0, 0, 0, 0]
    assert without_song_stager(warehouse(stack)) == without_song_stager(sequential)


def test_rerunning_an_hour_three_times_leaves_every_table_as_one_run_does(stack, sequential):
    clean(stack)
    put_input(stack)
    for hour in HOURS:
        run_hour_in_process(hour)

    for _ in range(3):
        run_hour_in_process(HOURS[1])

    assert warehouse(stack) == sequential


def test_restarting_the_stack_between_two_runs_loses_nothing(stack, sequential):
    clean(stack)
    put_input(stack)
    for hour in HOURS[:2]:
        run_hour_in_process(hour)
    before = warehouse(stack)

    stack.down()
    stack.up()

    assert warehouse(stack) == before
    # moto keeps the bucket in memory only: it comes back as ./sparkify demo's upload
    # makes it (bucket, queue, notifications) and the producer puts the input; real S3 keeps it.
    dataset.ensure_bucket(stack)
    put_input(stack)
    for hour in HOURS[2:]:
        run_hour_in_process(hour)
    assert warehouse(stack) == sequential


# --- killed mid-write --------------------------------------------------------------


class LockHolder:
    """Holds an exclusive lock on ``table`` in an open transaction, so a run reaching it
    waits there with its own transaction open; ``wait_for_waiter`` returns that run's
    backend pid."""

    def __init__(self, stack, table: str) -> None:
        self.stack = stack
        self.conn = connect(stack)
        self.conn.autocommit = False
        with self.conn.cursor() as cursor:
            cursor.execute(f"lock table {schema.table(table)} in access exclusive mode")

    def wait_for_waiter(self, seconds: float = 120) -> int:
        # Asked on another connection: pg_stat_activity holds still within a transaction.
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            found = rows(self.stack, "select pid from pg_stat_activity where wait_event_type = 'Lock'")
            if found:
                return found[0][0]
            time.sleep(0.1)
        raise TimeoutError("no run came to wait on the lock")

    def release(self) -> None:
        self.conn.rollback()
        self.conn.close()


class StopBeforePublish(Exception):
    pass


def stop_before_publish(task_id: str) -> None:
    if task_id == "publish":
        raise StopBeforePublish


def has_written(stack, pid: int, table: str) -> bool:
    """Whether backend ``pid`` holds the lock its INSERT/DELETE on ``table`` took (so it is mid-write)."""
    return rows(
        stack,
        "select count(*) from pg_locks as l join pg_class as c on c.oid = l.relation "
        "where l.pid = %(pid)s and c.relname = %(table)s and l.mode = 'RowExclusiveLock' and l.granted",
        {"pid": pid, "table": table},
    ) == [(1,)]


def wait_until_gone(stack, pid: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while rows(stack, "select count(*) from pg_stat_activity where pid = %(pid)s", {"pid": pid}) != [(0,)]:
        assert time.monotonic() < deadline, f"backend {pid} still there"
        time.sleep(0.1)


def kill(process: subprocess.Popen, backend_pid: int, stack, how: str) -> None:
    if how == "process":
        process.send_signal(signal.SIGKILL)
    else:
        rows(stack, "select pg_terminate_backend(%(pid)s)", {"pid": backend_pid})
    process.wait(timeout=60)


@pytest.mark.parametrize("how", ["process", "connection"])
def test_a_stage_killed_mid_write_leaves_the_old_partition_and_a_rerun_completes(stack, sequential, how):
    clean(stack)
    put_input(stack)
    for hour in HOURS:
        run_hour_in_process(hour)
    put(stack, TEST_DAY_KEY, the_day("b"))
    # stage_events writes staging_events, then quarantine, then stage_reconciliation.
    lock = LockHolder(stack, "stage_reconciliation")
    run = in_subprocess(H, "stage_events")
    try:
        backend = lock.wait_for_waiter()
        assert has_written(stack, backend, "staging_events") and has_written(stack, backend, "quarantine")
        kill(run, backend, stack, how)
    finally:
        lock.release()
    wait_until_gone(stack, backend)

    assert run.returncode != 0
    assert warehouse(stack) == sequential  # the old partition, whole

    HourInProcess(H).run_task("stage_events")

    staged = [r for r in snapshot(stack, "staging_events") if r[18] == H.replace(tzinfo=None)]
    assert len(staged) == 12  # version b's first hour


@pytest.mark.parametrize("how", ["process", "connection"])
def test_a_publish_killed_mid_write_leaves_the_published_hour_and_a_rerun_completes(stack, sequential, how):
    clean(stack)
    put_input(stack)
    for hour in HOURS:
        run_hour_in_process(hour)
    published = {table: sequential[table] for table in schema.STAR_TABLES}
    put(stack, TEST_DAY_KEY, the_day("b"))
    hour = HourInProcess(H)
    with pytest.raises(StopBeforePublish):
        hour.run_all(stop_before_publish)
    # publish replaces songplays, time, users and songs before it reads audit_artists.
    lock = LockHolder(stack, "audit_artists")
    run = in_subprocess(H, "publish")
    try:
        backend = lock.wait_for_waiter()
        assert all(has_written(stack, backend, table) for table in ("songplays", "time", "users", "songs"))
        assert rows(stack, "select count(*) from songplays where start_time < %(end)s", {"end": (H + HOUR).replace(tzinfo=None)}) == [(24,)]
        kill(run, backend, stack, how)
    finally:
        lock.release()
    wait_until_gone(stack, backend)

    assert run.returncode != 0
    assert {table: snapshot(stack, table) for table in schema.STAR_TABLES} == published

    hour.run_task("publish")

    assert rows(stack, "select count(*) from songplays where start_time < %(end)s", {"end": (H + HOUR).replace(tzinfo=None)}) == [(12,)]
    assert rows(stack, "select count(*) from songplays") == [(84,)]
