"""``./sparkify bench``: measured figures, each printed with the figure it is compared
with, measured in the same run, on a private embedded stack (its own folder and
loopback ports, removed afterwards), so the demo's warehouse is never touched.

One synthetic hour of N events (``sparkify_lab.datagen``, seeded: the real logs' page,
level, session and user-agent mix) goes to the local bucket with the real dataset beside
the project, whose catalogue its plays draw from, or else with a synthetic catalogue of
M song objects; then the hourly DAG's own tasks run for that hour, each timed:

- staging the hour from S3 (in a process of its own, whose peak memory and processor
  time are read, with the rest of the machine's), against
  the raw ``COPY ... FROM STDIN`` of the same rows from a local CSV file (the two take
  turns, five times each) and a row-by-row INSERT of a sample of them, on the same server;
- staging the catalogue, and the next hour's song step with nothing new;
- both GX gates against the hour's load (stage, build, publish), with and without
  publish: the hour's tasks as the DAG runs them, from staging to publish with nothing
  between them, each forked from a process that imported what the local scheduler
  preloads (as the LocalExecutor forks them), in three rounds from the same empty
  warehouse;
- with the real dataset, one real hour under ``airflow dags test`` on that warehouse,
  its catalogue staged: wall time against the sum of its tasks' durations (Airflow's
  overhead);
- an hour with no events; then N hours of equal size one after another, the last runs
  (and runs after a year of validation results is stored) each taking turns with a run
  of the first hours on a second, fresh warehouse (does an hour cost more as history
  grows?); and the Data Docs update with a year of results against the live hours' only.
"""

from __future__ import annotations

import contextlib
import csv
import gc
import io
import json
import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import psutil

from sparkify import sql_files
from sparkify_lab.stack import LocalStack, free_port

BENCH_HOUR = datetime(2018, 11, 20, 10, tzinfo=timezone.utc)
HOUR = timedelta(hours=1)
INSERT_SAMPLE = 20_000
STAGING_TURNS = 5
HOUR_ROUNDS = 3
# The hour's tasks as the DAG runs them, each round (create_tables and stage_songs have
# nothing to do for the bench's hour once the catalogue is staged).
HOUR_STEPS = ("stage_events", "validate_staging", "build_audit", "validate_warehouse", "publish")
BENCH_USERS = 10_000
CORES = len(os.sched_getaffinity(0))
TABLE_HEADER = "figure | measured | compared with (same run) | ratio | target"
HISTORY_EVENTS = 1_000
# A year of hourly results a suite, for the history figures and the Data Docs figure.
STORED_HOURS = 8_760
YEAR_RUNS = 5
PAIRED_RUNS = 5
# Two hours of the real data: the first run of a metadata database pays once for what
# every later run finds done, so the second is the one measured.
REAL_HOURS = (datetime(2018, 11, 15, 16, tzinfo=timezone.utc), datetime(2018, 11, 15, 17, tzinfo=timezone.utc))
REAL_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "sparkify"


def private_stack() -> LocalStack:
    return LocalStack(
        root=Path(tempfile.mkdtemp(prefix="sparkify-bench-")),
        pg_port=free_port(),
        s3_port=free_port(),
        docs_port=free_port(),
    )


def settled_heap() -> None:
    """Collects this process's garbage (what died since the last call too) and leaves
    what survives out of later collections.

    The bench runs hours in one process, whose heap grows with each (about 12,000
    objects an hour, SQLAlchemy's compiled statements and GX's metric keys among them);
    every full collection walks all of it, so later hours paid for earlier ones (JSON
    parsing, mostly botocore's service models, 2.4 times slower at runs #99 and #100
    than at runs #4 and #5, by cProfile).
    Airflow runs each task in a new process, which has no such heap."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def _timed(action) -> float:
    began = time.monotonic()
    action()
    return time.monotonic() - began


# Runs one task of the hour in a fresh process and reports its seconds, its processor
# seconds and those of the whole machine meanwhile, the process's resident memory before
# the task (imports done) and its peak. The peak is VmHWM, not
# getrusage's ru_maxrss, which Linux carries over from the parent across fork and exec.
# The hooks' modules, which the operators import when they run, are imported before the
# clock and their seconds reported apart: a task process pays them once whatever the hour's
# size, as the raw COPY's process has its modules and its connection before its clock.
_STAGE_IN_CHILD = """
import json, sys, time
from datetime import datetime
from sparkify_lab.bench import busy_cpu_seconds
from sparkify_lab.in_process import HourInProcess

def status_kb(field):
    return int(next(line for line in open("/proc/self/status") if line.startswith(field)).split()[1])

hour = HourInProcess(datetime.fromisoformat(sys.argv[1]))
began = time.monotonic()
import airflow.providers.amazon.aws.hooks.s3, airflow.providers.postgres.hooks.postgres
import_seconds = time.monotonic() - began
before = status_kb("VmRSS")
began, cpu_began, busy_began = time.monotonic(), time.process_time(), busy_cpu_seconds()
hour.run_task(sys.argv[2])
seconds, cpu_seconds, busy = time.monotonic() - began, time.process_time() - cpu_began, busy_cpu_seconds() - busy_began
print(json.dumps({
    "seconds": seconds, "cpu_seconds": cpu_seconds, "machine_cpu_seconds": busy, "import_seconds": import_seconds,
    "rss_before_kb": before, "peak_kb": status_kb("VmHWM"),
}))
"""


def task_in_child(hour: datetime, task_id: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", _STAGE_IN_CHILD, hour.isoformat(), task_id],
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{task_id} failed in its process:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def write_dirty_pages(stack: LocalStack) -> None:
    """Before a timed load: the pages the steps before it changed go to disk, the server's
    (a checkpoint) and then the machine's, so no load pays for writing another's (staging
    the hour or its raw COPY writes about a gigabyte)."""
    from sparkify_lab.warehouse_admin import run_query

    run_query(stack, sql_files.read("bench/write_dirty_pages.sql"))
    os.sync()


def vacuum(stack: LocalStack, sql_file: str) -> None:
    """Runs ``sql/<sql_file>``, a VACUUM (which runs outside a transaction)."""
    from sparkify_lab.warehouse_admin import connect

    conn = connect(stack)
    try:
        conn.autocommit = True
        with conn.cursor() as cursor:
            cursor.execute(sql_files.read(sql_file))
    finally:
        conn.close()


def busy_cpu_seconds() -> float:
    """Processor seconds every core of the machine has spent working since it started."""
    times = psutil.cpu_times()
    return times.user + times.nice + times.system + times.irq + times.softirq


def own_cpu_seconds() -> float:
    times = psutil.Process().cpu_times()
    return times.user + times.system


def export_staged_hour(stack: LocalStack, csv_file) -> None:
    """The staged hour's rows written to ``csv_file``: the baselines' input."""
    from sparkify_lab.warehouse_admin import connect

    conn = connect(stack)
    try:
        with conn.cursor() as cursor:
            cursor.copy_expert(sql_files.read("bench/export_staged_hour.sql"), csv_file)
    finally:
        conn.close()


def raw_copy(stack: LocalStack, csv_file) -> dict:
    """``COPY ... FROM STDIN`` of ``csv_file`` into a plain table shaped like
    staging_events: its rows, seconds and the processor seconds the rest of the machine
    (the server mostly) spent meanwhile."""
    from sparkify_lab.warehouse_admin import connect

    conn = connect(stack)
    try:
        with conn.cursor() as cursor:
            cursor.execute(sql_files.read("bench/create_copy_target.sql"))
            conn.commit()
            write_dirty_pages(stack)
            csv_file.seek(0)
            began, busy_began, own_began = time.monotonic(), busy_cpu_seconds(), own_cpu_seconds()
            cursor.copy_expert(sql_files.read("bench/copy_into_target.sql"), csv_file)
            conn.commit()
            seconds = time.monotonic() - began
            server_cpu = (busy_cpu_seconds() - busy_began) - (own_cpu_seconds() - own_began)
            cursor.execute("select count(*) from bench_copy_target")
            rows = cursor.fetchone()[0]
            cursor.execute(sql_files.read("bench/drop_copy_target.sql"))
            conn.commit()
    finally:
        conn.close()
    return {"rows": rows, "seconds": seconds, "server_cpu_seconds": server_cpu}


def row_by_row_insert(stack: LocalStack, csv_file) -> tuple[int, float]:
    """One INSERT per row for at most ``INSERT_SAMPLE`` rows of ``csv_file``: rows, seconds."""
    from sparkify_lab.warehouse_admin import connect

    conn = connect(stack)
    try:
        with conn.cursor() as cursor:
            cursor.execute(sql_files.read("bench/create_copy_target.sql"))
            conn.commit()
            csv_file.seek(0)
            sample = [
                [None if value == "" else value for value in row]
                for _, row in zip(range(INSERT_SAMPLE), csv.reader(io.TextIOWrapper(csv_file, encoding="utf-8")))
            ]
            insert = sql_files.read("bench/insert_one_row.sql").strip().rstrip(";")
            began = time.monotonic()
            for row in sample:
                cursor.execute(insert, row)
            conn.commit()
            seconds = time.monotonic() - began
            cursor.execute(sql_files.read("bench/drop_copy_target.sql"))
            conn.commit()
    finally:
        conn.close()
    return len(sample), seconds


def stage_in_child(stack: LocalStack) -> dict:
    """The stage step of the bench's hour in a process of its own (:func:`task_in_child`),
    with the S3 stand-in's processor seconds meanwhile."""
    s3_server = psutil.Process(stack.s3_pid())
    write_dirty_pages(stack)
    s3_cpu_before = sum(s3_server.cpu_times()[:2])
    stage = task_in_child(BENCH_HOUR, "stage_events")
    stage["s3_cpu_seconds"] = sum(s3_server.cpu_times()[:2]) - s3_cpu_before
    # The S3 stand-in works for the step only; the bench waits meanwhile.
    stage["server_cpu_seconds"] = stage["machine_cpu_seconds"] - stage["cpu_seconds"] - stage["s3_cpu_seconds"]
    return stage


def median_run(runs: list[dict]) -> dict:
    """Of an odd number of timed runs, the one of median seconds."""
    return sorted(runs, key=lambda run: run["seconds"])[len(runs) // 2]


def task_in_fork(hour, task_id: str) -> dict[str, float]:
    """Runs one task of ``hour`` in a process forked from this one, as the LocalExecutor
    forks each task from the scheduler (this process has imported what the scheduler
    preloads: :func:`sparkify_lab.preloaded_airflow.preload`): its seconds and processor
    seconds, the whole machine's meanwhile (the bench waits), and its XComs, which
    ``hour`` keeps for the tasks after it. Whatever the task opens (GX's context, its
    connections) it opens inside its time, as under the DAG."""
    read_end, write_end = os.pipe()
    busy_began = busy_cpu_seconds()
    pid = os.fork()
    if pid == 0:  # the task's process: it reports through the pipe and never returns
        os.close(read_end)
        status = 1
        try:
            cpu_began = time.process_time()
            seconds = hour.run_task(task_id)
            report = {"seconds": seconds, "cpu_seconds": time.process_time() - cpu_began, "xcoms": list(hour.xcoms.items())}
            with os.fdopen(write_end, "w") as pipe:
                json.dump(report, pipe, default=str)
            status = 0
        except BaseException:
            import traceback

            traceback.print_exc()
        finally:
            os._exit(status)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        reported = pipe.read()
    _, status = os.waitpid(pid, 0)
    machine_cpu_seconds = busy_cpu_seconds() - busy_began
    if status != 0 or not reported:
        raise RuntimeError(f"{task_id} failed in its forked process (its traceback is above)")
    report = json.loads(reported)
    hour.xcoms.update({tuple(key): value for key, value in report.pop("xcoms")})
    return {**report, "machine_cpu_seconds": machine_cpu_seconds}


def hour_rounds(stack: LocalStack, hour) -> list[dict[str, dict[str, float]]]:
    """The hour's tasks as the DAG runs them (:data:`HOUR_STEPS`, from staging to
    publish, nothing between them), ``HOUR_ROUNDS`` times, each round from the warehouse
    the first found (nothing staged for the hour, nothing published, no audit rows):
    each task's :func:`task_in_fork`, a dict a round. Single runs varied by up to a third
    between runs of the same minutes (seven runs of one hour: publish 9.9 to 17.1 s,
    validate_warehouse 2.7 to 5.0 s); the figures are each task's median."""
    from sparkify_lab.preloaded_airflow import preload
    from sparkify_lab.warehouse_admin import run_query

    [(published_rows,)] = run_query(stack, sql_files.read("bench/count_published_rows.sql"))[1]
    if published_rows:
        raise RuntimeError(f"the bench's warehouse holds {published_rows} published rows before its hour: the rounds would remove them")
    preload()
    rounds = []
    for round_number in range(HOUR_ROUNDS):
        if round_number:
            run_query(stack, sql_files.read("bench/clear_published_hour.sql"))
        run_query(stack, sql_files.read("bench/clear_staged_events.sql"))
        write_dirty_pages(stack)
        rounds.append({task_id: task_in_fork(hour, task_id) for task_id in HOUR_STEPS})
    return rounds


def generate_hour(folder: Path, events: int, songs: int, catalogue: list | None) -> float:
    """The bench's synthetic hour written to ``folder``; returns its seconds."""
    from sparkify_lab import datagen

    return _timed(
        lambda: datagen.generate(
            folder, BENCH_HOUR, BENCH_HOUR + HOUR, events_per_hour=events, songs=songs,
            users=BENCH_USERS, whole_days=False, catalogue=catalogue,
        )
    )  # fmt: skip


def measure(stack: LocalStack, events: int, songs: int) -> list[str]:
    from sparkify_lab import datagen
    from sparkify_lab import dataset
    from sparkify_lab.in_process import HourInProcess
    from sparkify_lab.warehouse_admin import run_query
    from sparkify.warehouse.event_reader import choose_reader

    # The real catalogue, when present, serves the real hour's figure too, which then
    # needs neither its upload again nor a first hour that stages it.
    real = REAL_DATA.is_dir()
    catalogue = datagen.read_catalogue(REAL_DATA / "song_data") if real else None
    songs = len(catalogue) if catalogue else songs
    with tempfile.TemporaryDirectory(prefix="sparkify-bench-data-") as folder:
        began = time.monotonic()
        # The generator works on one core in a process of its own while the real dataset
        # goes up (the S3 server's work, mostly); the synthetic hour's day then replaces
        # the real file of that day.
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
            generating = pool.submit(generate_hour, Path(folder), events, songs, catalogue)
            if real:
                dataset.upload(stack, REAL_DATA)
            generate_seconds = generating.result()
        dataset.upload(stack, Path(folder))
        upload_seconds = time.monotonic() - began
        size_mb = sum(p.stat().st_size for p in Path(folder, "log_data").rglob("*.json")) / 1e6

    # The staging figures are the compiled event reader's (requirements-dev.txt installs it):
    # without it, or with SPARKIFY_EVENT_READER=server, they are the server's parse of every line.
    if choose_reader() != "compiled":
        print("bench: the compiled event reader is not used: the staging figures are the server's parse of every line", file=sys.stderr)
    hour = HourInProcess(BENCH_HOUR)
    hour.run_task("create_tables")
    s3_server = psutil.Process(stack.s3_pid())
    s3_cpu_before = sum(s3_server.cpu_times()[:2])
    catalogue_seconds = hour.run_task("stage_songs")
    catalogue_s3_cpu = sum(s3_server.cpu_times()[:2]) - s3_cpu_before
    no_new_songs_seconds = HourInProcess(BENCH_HOUR + HOUR).run_task("stage_songs")
    # The staging step and the raw COPY it is compared with take turns, so that both see
    # the machine of the same minutes: single runs of either varied by up to a third
    # between benches. Five turns each: in four benches of three, one or two turns of the
    # staging ran two to three times as long as the others (the S3 stand-in's processor time
    # for the same read up to four times its usual), and a median of three was one of them.
    # Each turn's staged hour is vacuumed before the raw COPY's turn (untimed), so that
    # neither pays for the other's upkeep; the hour's rounds below stage it again.
    stages, copies = [], []
    with tempfile.TemporaryFile("w+b") as csv_file:
        for turn in range(STAGING_TURNS):
            if turn:
                run_query(stack, sql_files.read("bench/clear_staged_events.sql"))
            stages.append(stage_in_child(stack))
            vacuum(stack, "bench/settle_staged_events.sql")
            if not turn:
                export_staged_hour(stack, csv_file)
            copies.append(raw_copy(stack, csv_file))
        insert_rows, insert_seconds = row_by_row_insert(stack, csv_file)
    stage, copy = median_run(stages), median_run(copies)
    [(records, staged, quarantined)] = run_query(
        stack, "select records_read, staged, quarantined from stage_reconciliation where stage = 'events'"
    )[1]

    rounds = hour_rounds(stack, hour)

    def median_of(figure: str) -> dict[str, float]:
        return {task_id: statistics.median(run[task_id][figure] for run in rounds) for task_id in HOUR_STEPS}

    median_task, machine_cpu, own_cpu = median_of("seconds"), median_of("machine_cpu_seconds"), median_of("cpu_seconds")

    stage_rate = records / stage["seconds"]
    stage_cpu = stage["cpu_seconds"] + stage["server_cpu_seconds"] + stage["s3_cpu_seconds"]
    copy_rate = copy["rows"] / copy["seconds"]
    insert_rate = insert_rows / insert_seconds
    gate_ids = [task_id for task_id in HOUR_STEPS if task_id.startswith("validate_")]
    load_ids = [task_id for task_id in HOUR_STEPS if task_id not in gate_ids]
    gates = sum(median_task[task_id] for task_id in gate_ids)
    load = sum(median_task[task_id] for task_id in load_ids)
    load_without_publish = load - median_task["publish"]
    gates_cpu = sum(machine_cpu[task_id] for task_id in gate_ids)
    load_cpu = sum(machine_cpu[task_id] for task_id in load_ids)
    peak_mb = max(run["peak_kb"] for run in stages) / 1024
    turns = f"median of {STAGING_TURNS}, taking turns"
    lines = [
        f"One synthetic hour: {events:,} events ({size_mb:.0f} MB of JSON; generated in {generate_seconds:.1f} s), "
        f"{songs:,} song objects{' of the real data (with its logs)' if real else ''}, {BENCH_USERS:,} users; "
        f"generated and uploaded to the local bucket in {upload_seconds:.1f} s",
        f"Staged {staged:,} of {records:,} records read ({quarantined:,} quarantined)",
        "",
        TABLE_HEADER,
        "---|---|---|---|---",
        f"staging the hour, S3 -> staging_events | {stage['seconds']:.1f} s, {stage_rate:,.0f} records/s ({turns}: "
        f"{_seconds(stages)}; the hooks' modules imported before: {stage['import_seconds']:.1f} s) | raw COPY FROM STDIN of the same {copy['rows']:,} rows from a local CSV: {copy['seconds']:.1f} s, "
        f"{copy_rate:,.0f} rows/s ({turns}: {_seconds(copies)}) | "
        f"{stage_rate / copy_rate:.2f}x | >= 0.8x {_verdict(stage_rate / copy_rate >= 0.8, f'{0.8 - stage_rate / copy_rate:.2f}x')}",
        f"staging the hour vs row-by-row INSERT | {stage_rate:,.0f} records/s | "
        f"one INSERT per row, {insert_rows:,}-row sample: {insert_rate:,.0f} rows/s | "
        f"{stage_rate / insert_rate:.1f}x | >= 20x {_verdict(stage_rate / insert_rate >= 20, f'{20 - stage_rate / insert_rate:.1f}x')}",
        f"processor time of staging the hour ({turns}) | the stage step's process {stage['cpu_seconds']:.1f} s, "
        f"PostgreSQL and the rest of the machine {stage['server_cpu_seconds']:.1f} s, the S3 stand-in {stage['s3_cpu_seconds']:.1f} s: "
        f"{stage_cpu:.1f} s, at least {stage_cpu / CORES:.1f} s on {CORES} cores | "
        f"the raw COPY: PostgreSQL and the rest {copy['server_cpu_seconds']:.1f} s | "
        f"{records / (stage_cpu / CORES) / copy_rate:.2f}x the raw COPY's rate at most, with every core busy | reported",
        f"peak memory of the stage step | {peak_mb:.0f} MB (process, the largest of {STAGING_TURNS}; {stage['rss_before_kb'] / 1024:.0f} MB after imports) | "
        f"the hour's JSON: {size_mb:.0f} MB | {peak_mb / size_mb:.2f}x | <= 500 MB {_verdict(peak_mb <= 500, f'{peak_mb - 500:.0f} MB')}",
        f"GX gates (staging + warehouse suites), each task forked as the LocalExecutor forks it | {gates:.1f} s "
        f"(each gate's median of {HOUR_ROUNDS} rounds: {median_task['validate_staging']:.2f} + "
        f"{median_task['validate_warehouse']:.2f} s) | the hour's load (stage, build, publish), the same rounds: "
        f"{load:.1f} s | {gates / load:.0%} | <= 20% {_verdict(gates / load <= 0.2, f'{gates / load - 0.2:.0%} of the load')}",
        f"GX gates against the load without publish | {gates:.1f} s | stage and build: {load_without_publish:.1f} s | "
        f"{gates / load_without_publish:.0%} | reported",
        # Why the gates take what they take: with every core busy, a gate cannot finish
        # in less than its processor time over the cores.
        f"processor time of the gates (the whole machine's, each gate's median) | {gates_cpu:.1f} s "
        f"({machine_cpu['validate_staging']:.1f} + {machine_cpu['validate_warehouse']:.1f} s; the gates' own process "
        f"{sum(own_cpu[task_id] for task_id in gate_ids):.1f} s): {gates_cpu / gates / CORES:.0%} of {CORES} cores while they run, "
        f"at least {gates_cpu / CORES:.1f} s with every core busy | the load's: {load_cpu:.1f} s, "
        f"{load_cpu / load / CORES:.0%} of {CORES} cores while it runs | {gates_cpu / CORES / load:.0%} of the load's time "
        f"at least, however the gates' work is scheduled | reported",
        f"staging the song catalogue | {catalogue_seconds:.1f} s for {songs:,} objects | "
        f"the S3 stand-in's processor time in that step (one interpreter serves every request): {catalogue_s3_cpu:.1f} s | "
        f"{catalogue_s3_cpu / catalogue_seconds:.0%} of the step | <= 20 s {_verdict(catalogue_seconds <= 20, f'{catalogue_seconds - 20:.1f} s')}",
        f"song step of an hour with no new songs | {no_new_songs_seconds:.2f} s | | | <= 1 s {_verdict(no_new_songs_seconds <= 1, f'{no_new_songs_seconds - 1:.2f} s')}",
        "",
        "Each task of the hour (seconds: the median, then each turn or round):",
        _task_line("stage_events (turns against the raw COPY)", stage["seconds"], [run["seconds"] for run in stages]),
        *(_task_line(task_id, median_task[task_id], [run[task_id]["seconds"] for run in rounds]) for task_id in HOUR_STEPS),
    ]
    return lines


@dataclass(frozen=True)
class SecondWarehouse:
    """A second warehouse database on the bench's server, with GX results and Data Docs
    folders of its own; the hourly tasks run against it inside :meth:`selected`."""

    stack: LocalStack
    folder: Path
    database: str = "sparkify_bench_fresh"

    def recreate(self) -> None:
        from sparkify_lab.warehouse_admin import recreate_database

        recreate_database(self.stack, self.database)
        shutil.rmtree(self.folder, ignore_errors=True)

    @contextlib.contextmanager
    def selected(self):
        from sparkify_lab.airflow_env import warehouse_connection

        settings = {
            "AIRFLOW_CONN_SPARKIFY_WAREHOUSE": json.dumps({**warehouse_connection(self.stack), "schema": self.database}),
            "AIRFLOW_VAR_SPARKIFY_DATA_DOCS": str(self.folder / "data_docs"),
            "AIRFLOW_VAR_SPARKIFY_GX_RESULTS": str(self.folder / "gx_results"),
            "AIRFLOW_VAR_SPARKIFY_GX_RESULTS_ARCHIVE": str(self.folder / "gx_results_archive"),
        }
        saved = {name: os.environ[name] for name in settings}
        os.environ.update(settings)
        try:
            yield
        finally:
            os.environ.update(saved)


def history_figures(stack: LocalStack, hours: int) -> list[str]:
    """``hours`` equal hours in a row on a fresh warehouse, the last runs against the
    first runs of the same hours on a second, fresh warehouse; then more runs with a year
    of validation results stored, against the first runs again; and an hour with no
    events against the first runs."""
    from sparkify_lab import datagen
    from sparkify_lab import dataset
    from sparkify_lab.in_process import HourInProcess, hourly_dag
    from sparkify_lab.warehouse_admin import drop_all_tables

    dag = hourly_dag()
    paired = min(PAIRED_RUNS, hours - 1)

    def run_hour_tasks(hour: datetime) -> dict[str, float]:
        """Seconds of each task of the hour, run in dependency order."""
        starts: list[tuple[str, float]] = []
        settled_heap()
        HourInProcess(hour, dag).run_all(before_task=lambda task_id: starts.append((task_id, time.monotonic())))
        ends = [started for _, started in starts[1:]] + [time.monotonic()]
        return {task_id: end - started for (task_id, started), end in zip(starts, ends)}

    drop_all_tables(stack)
    stack.clear_gx_output()
    dataset.empty_bucket(stack)
    start = BENCH_HOUR + timedelta(days=1)
    with tempfile.TemporaryDirectory(prefix="sparkify-bench-history-") as folder:
        datagen.generate(
            Path(folder), start, start + (hours + YEAR_RUNS) * HOUR, events_per_hour=HISTORY_EVENTS, songs=200,
            users=500, whole_days=False,
        )  # fmt: skip
        dataset.upload(stack, Path(folder))
    second = SecondWarehouse(stack, Path(tempfile.mkdtemp(prefix="second-warehouse-", dir=stack.root)))

    def taking_turns(measured_hours: list[datetime]) -> tuple[list[dict[str, float]], list[dict[str, float]]]:
        """Each of ``measured_hours`` run on the bench's warehouse, each followed by the
        next of runs #2, #3... of the history's first hours on the second warehouse, made
        fresh (its run #1 first)."""
        second.recreate()
        with second.selected():
            run_hour_tasks(start)
        measured, fresh = [], []
        for n, hour in enumerate(measured_hours, start=1):
            measured.append(run_hour_tasks(hour))
            with second.selected():
                fresh.append(run_hour_tasks(start + n * HOUR))
        return measured, fresh

    runs = [run_hour_tasks(start)]
    # After run #1, so that, like the hours it is compared with, it finds the tables made
    # and the catalogue staged.
    empty = sum(run_hour_tasks(start - timedelta(days=1)).values())  # a day with no object at all
    runs += [run_hour_tasks(start + n * HOUR) for n in range(1, hours - paired)]
    # The machine's speed drifts over the minutes these runs take: runs #2 to #6 took
    # 1.3 s (median) at the start of one bench and 1.7 s made again on a fresh warehouse
    # at its end, and single runs rose and fell by 0.5 s while no task's own work grew.
    # So each measured run takes turns with a run of the first hours on a fresh warehouse,
    # and the two are compared by their medians (run #1 stages the catalogue).
    last, early = taking_turns([start + n * HOUR for n in range(hours - paired, hours)])
    runs += last
    # The validation results are kept for good (Data Docs keep a window): a year of them
    # before the first run, then more runs of equal hours.
    _seed_validation_history(stack, source_hour=start + (hours - 1) * HOUR, first_hours_back=hours, stored_hours=STORED_HOURS)
    write_dirty_pages(stack)
    year, early_again = taking_turns([start + n * HOUR for n in range(hours, hours + YEAR_RUNS)])

    def median_seconds(sample: list[dict[str, float]], task_id: str | None = None) -> float:
        return statistics.median(run[task_id] if task_id else sum(run.values()) for run in sample)

    def growth(sample: list[dict[str, float]], fresh: list[dict[str, float]]) -> str:
        deltas = sorted(((median_seconds(sample, t) - median_seconds(fresh, t), t) for t in runs[0]), reverse=True)
        return ", ".join(f"{task_id} {delta:+.2f} s" for delta, task_id in deltas)

    at_start, late, early_s = median_seconds(runs[1:6]), median_seconds(last), median_seconds(early)
    stored_year, early_again_s = median_seconds(year), median_seconds(early_again)

    def fresh_runs(sample: list) -> str:
        return f"runs #2 to #{len(sample) + 1} on a second, fresh warehouse, each right after one of them"

    return [
        f"an hour with no events (every task of the DAG) | {empty:.1f} s | an hour of {HISTORY_EVENTS:,} events: "
        f"{at_start:.1f} s | {empty / at_start:.2f}x | the minimum of work: no load, no validation of empty batches",
        f"hourly cost as history grows ({HISTORY_EVENTS:,} events an hour) | runs #{hours - paired + 1} to #{hours}: {late:.1f} s "
        f"(median) | {fresh_runs(early)}: {early_s:.1f} s (median; runs #2 to #6 at the start: {at_start:.1f} s; "
        f"run #1, which stages the catalogue: {sum(runs[0].values()):.1f} s) | "
        f"{late / early_s:.2f}x | <= 1.2x {_verdict(late / early_s <= 1.2, f'{late / early_s - 1.2:.2f}x')}",
        f"where the history's cost grows, by task (median seconds, runs #{hours - paired + 1} to #{hours} against the fresh warehouse's) | "
        f"{growth(last, early)} | | | reported",
        f"hourly cost with a year of validation history ({STORED_HOURS:,} hours of stored results before run #1) | "
        f"runs #{hours + 1} to #{hours + YEAR_RUNS}: {stored_year:.1f} s (median) | {fresh_runs(early_again)}: {early_again_s:.1f} s | "
        f"{stored_year / early_again_s:.2f}x | <= 1.2x {_verdict(stored_year / early_again_s <= 1.2, f'{stored_year / early_again_s - 1.2:.2f}x')}",
        f"where a year of validation history costs, by task (median seconds, runs #{hours + 1} to #{hours + YEAR_RUNS} against the fresh warehouse's) | "
        f"{growth(year, early_again)} | | | reported",
    ]


def _seed_validation_history(stack: LocalStack, *, source_hour: datetime, first_hours_back: int, stored_hours: int) -> None:
    """``stored_hours`` copies of ``source_hour``'s validation results, the first
    ``first_hours_back`` hours before it, vacuumed and analyzed."""
    from sparkify_lab.warehouse_admin import connect

    conn = connect(stack)
    try:
        with conn, conn.cursor() as cursor:
            cursor.execute(
                sql_files.read("bench/seed_validation_history.sql"),
                {
                    "source_hour": source_hour.replace(tzinfo=None),
                    "first_hours_back": first_hours_back,
                    "last_hours_back": first_hours_back + stored_hours - 1,
                },
            )
    finally:
        conn.close()
    vacuum(stack, "bench/settle_validation_history.sql")


@dataclass(frozen=True)
class _DocsSite:
    """A GX context with its results store and archive, and its Data Docs site and the
    site's archive folder."""

    context: Any
    results: Path
    archive: Path
    site_dir: Path
    archive_site: Path
    days: int

    @classmethod
    def opened(cls) -> _DocsSite:
        """The site of the folders the Airflow variables name now."""
        from sparkify.quality.context import GX_DIR, open_context, results_dirs
        from sparkify.quality.data_docs import DataDocsSite

        site = DataDocsSite.from_variables()
        return cls(open_context("sparkify_warehouse"), *results_dirs(), site.build_dir(GX_DIR), site.archive_dir(GX_DIR), site.days)

    def update(self, key, result, hour: datetime) -> float:
        """Seconds to store ``result`` as ``hour``'s under ``key``'s suite and batch, keep
        the window and update the site for it."""
        from great_expectations.data_context.types.resource_identifiers import ValidationResultIdentifier

        from sparkify.quality.context import SITE_NAME
        from sparkify.quality.docs_window import keep_window
        from sparkify.quality.results import run_identifier

        new_key = ValidationResultIdentifier(
            key.expectation_suite_identifier, run_identifier(f"bench__{hour:%Y%m%dT%H}", hour), key.batch_identifier
        )
        self.context.validation_results_store.set(new_key, result)
        began = time.monotonic()
        keep_window(self.results, self.archive, self.site_dir, self.archive_site, hour.replace(tzinfo=None), self.days)
        self.context.build_data_docs(site_names=[SITE_NAME], resource_identifiers=[new_key, key.expectation_suite_identifier])
        return time.monotonic() - began


def data_docs_figures(stack: LocalStack, stored_hours: int = STORED_HOURS, tries: int = 31) -> list[str]:
    """GX's Data Docs update for one new validation result (what UpdateDataDocsAction
    does, after the window is kept) on a site of the live hours' results only, taking
    turns with the same update on a second site of a year of them: the live hours in the
    results store with their pages, the older ones in the archive, as the gates leave
    them. (From the first hour to the live hours' the site grows by design: its index
    lists them; the hourly runs' figures above include that.)"""
    from sparkify_lab import datagen
    from sparkify_lab import dataset
    from sparkify_lab.in_process import HourInProcess
    from sparkify_lab.warehouse_admin import drop_all_tables
    from sparkify.quality.docs_window import LIVE_HOURS, RUN_TIME_FORMAT

    drop_all_tables(stack)
    dataset.empty_bucket(stack)
    stack.clear_gx_output()
    hour = BENCH_HOUR + timedelta(days=400)
    with tempfile.TemporaryDirectory(prefix="sparkify-bench-docs-") as folder:
        datagen.generate(Path(folder), hour, hour + HOUR, events_per_hour=HISTORY_EVENTS, songs=20, users=50, whole_days=False)
        dataset.upload(stack, Path(folder))
    HourInProcess(hour).run_all()
    window = _DocsSite.opened()
    second = SecondWarehouse(stack, Path(tempfile.mkdtemp(prefix="second-site-", dir=stack.root)))
    with second.selected():
        year = _DocsSite.opened()
    shutil.copytree(window.results, year.results, dirs_exist_ok=True)
    shutil.copytree(window.site_dir, year.site_dir, dirs_exist_ok=True)
    stored = {key: window.context.validation_results_store.get(key) for key in window.context.validation_results_store.list_keys()}
    naive_hour = hour.replace(tzinfo=None)

    def result_and_page(key) -> tuple[Path, Path]:
        *folders, name = key.to_tuple()
        return window.results.joinpath(*folders, f"{name}.json"), window.site_dir.joinpath("validations", *folders, f"{name}.html")

    sources = {key: result_and_page(key) for key in stored}
    # Hours before the hour, laid out as the gates leave them: hard links to each suite's
    # stored result under each hour's own run folder, in the results store for the live
    # hours and in the archive store before; its page in the site for the live hours, in
    # the site's archive folder for the rest of the window.
    for site, hours in ((window, LIVE_HOURS), (year, stored_hours)):
        for key, (source, page) in sources.items():
            for back in range(1, hours):
                past = naive_hour - back * HOUR
                parts = (key.expectation_suite_identifier.name, f"scheduled__{past:%Y-%m-%dT%H}", f"{past:{RUN_TIME_FORMAT}}")
                live = back < LIVE_HOURS
                folder = (site.results if live else site.archive).joinpath(*parts)
                folder.mkdir(parents=True, exist_ok=True)
                os.link(source, folder / source.name)
                if back < site.days * 24:
                    pages = (site.site_dir if live else site.archive_site).joinpath("validations", *parts)
                    pages.mkdir(parents=True, exist_ok=True)
                    os.link(page, pages / page.name)
    # Each new hour updates both sites, one right after the other, so that both medians
    # are of the same minutes.
    [(key, result)] = [(k, r) for k, r in stored.items() if k.expectation_suite_identifier.name == "staging_events"]
    settled_heap()
    window_seconds, year_seconds = [], []
    for n in range(1, tries + 1):
        window_seconds.append(window.update(key, result, hour + n * HOUR))
        year_seconds.append(year.update(key, result, hour + n * HOUR))
    window_size, year_size = (site.site_dir.joinpath("index.html").stat().st_size for site in (window, year))
    t_window, t_year = statistics.median(window_seconds), statistics.median(year_seconds)
    return [
        f"Data Docs update for one result, {stored_hours:,} stored hourly results a suite ({LIVE_HOURS} live hours, "
        f"pages of {year.days} days, the rest archived) | {t_year:.2f} s (median of {tries}) | "
        f"{LIVE_HOURS} stored hourly results a suite (the live hours only), taking turns: {t_window:.2f} s | "
        f"{t_year / t_window:.2f}x | <= 1.2x {_verdict(t_year / t_window <= 1.2, f'{t_year / t_window - 1.2:.2f}x')}",
        f"Data Docs index.html with {stored_hours:,} stored hourly results a suite | {year_size / 1024:.0f} KB | "
        f"{LIVE_HOURS} stored hourly results a suite: {window_size / 1024:.0f} KB | {year_size / window_size:.2f}x | reported (the index lists the live "
        "hours; the quality page is the window's index)",
    ]


def airflow_overhead(stack: LocalStack) -> list[str]:
    """One real hour under ``airflow dags test``: its wall time against its tasks'
    durations. Runs after :func:`measure`, which put the real dataset in the bucket and
    staged its catalogue."""
    from sparkify_lab import runner

    if not REAL_DATA.is_dir():
        return [f"end-to-end run on the real data | skipped: {REAL_DATA} is absent | | |"]
    runner.ensure_metadata_db(stack)
    log_dir = stack.log_dir / "bench"
    outcomes = [runner.run_hour(stack, hour, log_dir) for hour in REAL_HOURS]
    if not all(o.succeeded for o in outcomes):
        return [f"end-to-end run on the real data | FAILED, see {log_dir} | | |"]
    [(tasks, work)] = runner.metadata_rows(
        stack,
        "select count(*), sum(duration) from task_instance where run_id = "
        "(select run_id from dag_run where dag_id = %s and data_interval_start = %s order by id desc limit 1)",
        (runner.DAG_ID, REAL_HOURS[1]),
    )
    wall = outcomes[1].seconds
    overhead = wall - work
    return [
        f"one real hour end to end ({REAL_HOURS[1]:%Y-%m-%dT%H}, `airflow dags test`) | {wall:.1f} s wall | "
        f"its {tasks} tasks' work: {work:.1f} s | Airflow overhead {overhead:.1f} s ({overhead / wall:.0%}), "
        f"{overhead / tasks:.2f} s a task | reported",
    ]


MONTH = (datetime(2018, 11, 1, tzinfo=timezone.utc), datetime(2018, 12, 1, tzinfo=timezone.utc))
MONTH_TARGET_MINUTES = 30


def month_figures(stack: LocalStack, max_active_runs: int) -> list[str]:
    """The real month through ``./sparkify backfill``'s scheduler, and its warehouse
    against the contract computed from the raw files (:mod:`sparkify_lab.contract`)."""
    from sparkify_lab import backfill, dataset

    if not REAL_DATA.is_dir():
        return [f"the real month through the scheduler | skipped: {REAL_DATA} is absent | | |"]
    dataset.upload(stack, REAL_DATA)
    summary = backfill.run(stack, *MONTH, max_active_runs=max_active_runs)
    minutes = summary.wall_seconds / 60
    return [
        f"the real month through the scheduler ({summary.hours} hourly runs, {max_active_runs} at a time) | "
        f"{minutes:.1f} min ({summary.seconds_per_hour:.2f} s an hour): {summary.counts} | "
        f"target: {MONTH_TARGET_MINUTES} min | {minutes / MONTH_TARGET_MINUTES:.2f}x | <= 1x {_verdict(minutes <= MONTH_TARGET_MINUTES, f'{minutes - MONTH_TARGET_MINUTES:.1f} min')}",
        f"a run of the month: Airflow overhead against work | {summary.overhead_per_run:.1f} s a run, "
        f"{summary.overhead_per_task:.2f} s a task | its tasks' work: {summary.work_per_run:.1f} s a run | "
        f"{summary.overhead_share:.0%} overhead | reported",
        *_month_against_contract(stack),
    ]


def _month_against_contract(stack: LocalStack) -> list[str]:
    from collections import Counter

    from sparkify_lab import contract
    from sparkify_lab.warehouse_admin import run_query

    def rows(sql: str) -> list[tuple]:
        return run_query(stack, sql)[1]

    events, catalogue = contract.month_events(REAL_DATA, MONTH[0]), contract.songs(REAL_DATA)
    plays = Counter(
        rows("select start_time, user_id, level, song_id, artist_id, session_id, location, user_agent from songplays")
    )
    checks = {
        "songplays": (plays, contract.expected_songplays(events, catalogue)),
        "users": (
            {u: tuple(rest) for u, *rest in rows("select user_id, first_name, last_name, gender, level from users")},
            contract.expected_users(events),
        ),
        "time": (set(rows("select start_time, hour, day, week, month, year, weekday from time")), contract.expected_time(events)),
        "songs": (
            {song_id for (song_id,) in rows("select song_id from songs")},
            {song["song_id"] for song in catalogue},
        ),
        "artists": (
            {a: tuple(rest) for a, *rest in rows("select artist_id, name, location, latitude, longitude from artists")},
            contract.expected_artists(catalogue),
        ),
    }
    got = ", ".join(f"{table} {sum(g.values()) if table == 'songplays' else len(g):,}" for table, (g, _) in checks.items())
    expected = ", ".join(f"{table} {sum(e.values()) if table == 'songplays' else len(e):,}" for table, (_, e) in checks.items())
    differing = [table for table, (g, e) in checks.items() if g != e]
    return [
        f"the month's warehouse against the contract computed from the raw files | {got} | {expected} | "
        f"{'equal' if not differing else 'DIFFERENT: ' + ', '.join(differing)} | equal {_verdict(not differing, f'{len(differing)} of {len(checks)} tables')}"
    ]


def run_month(max_active_runs: int) -> str:
    from sparkify_lab.airflow_env import airflow_environment

    stack = private_stack()
    os.environ.update(airflow_environment(stack))
    stack.up()
    try:
        return "\n".join([TABLE_HEADER, *month_figures(stack, max_active_runs)])
    finally:
        stack.destroy()


def _seconds(runs: list[dict]) -> str:
    return ", ".join(f"{run['seconds']:.1f}" for run in runs) + " s"


def _task_line(task: str, median: float, runs: list[float]) -> str:
    return f"  {task:42} {median:6.2f}   {', '.join(f'{seconds:.2f}' for seconds in runs)}"


def _verdict(met: bool, gap: str) -> str:
    """``gap``: how far the figure is from its target, said when it misses."""
    return "met" if met else f"MISSED by {gap}"


def run(events: int, songs: int, hours: int) -> str:
    from sparkify_lab.airflow_env import airflow_environment

    stack = private_stack()
    os.environ.update(airflow_environment(stack))
    stack.up()
    try:
        lines = measure(stack, events, songs)
        real_hour = airflow_overhead(stack)
        more = history_figures(stack, hours) + data_docs_figures(stack) + real_hour
    finally:
        stack.destroy()
    # The further figures join the table, before the per-task list that follows it.
    table_end = lines.index("", lines.index(TABLE_HEADER))
    return "\n".join(lines[:table_end] + more + lines[table_end:])
