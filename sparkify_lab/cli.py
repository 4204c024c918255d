"""Sparkify's hourly warehouse pipeline on an embedded PostgreSQL + S3 stack (./sparkify)."""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

from sparkify_lab.airflow_env import PROJECT_ROOT, airflow_environment
from sparkify_lab.backfill import MAX_ACTIVE_RUNS
from sparkify_lab.stack import LocalStack, StackError

DEFAULT_START = "2018-11-15T10"
DEFAULT_END = "2018-11-15T13"
SYNTHETIC_SEED = 2018


def project_stack() -> LocalStack:
    return LocalStack(
        root=Path(os.environ.get("SPARKIFY_HOME", PROJECT_ROOT / ".local")),
        pg_port=int(os.environ.get("SPARKIFY_PG_PORT", 54329)),
        s3_port=int(os.environ.get("SPARKIFY_S3_PORT", 54380)),
        docs_port=int(os.environ.get("SPARKIFY_DOCS_PORT", 54381)),
    )


def cmd_up(args) -> int:
    stack = project_stack()
    stack.up()
    return cmd_status(args)


def cmd_down(args) -> int:
    project_stack().down()
    print("stopped")
    return 0


def cmd_status(args) -> int:
    for name, state in project_stack().status().items():
        print(f"{name:12} {state}")
    return 0


def cmd_reset(args) -> int:
    from sparkify_lab.dataset import empty_bucket
    from sparkify_lab.warehouse_admin import drop_all_tables

    stack = project_stack()
    stack.up()
    drop_all_tables(stack)
    empty_bucket(stack)
    stack.clear_gx_output()
    print("local warehouse, bucket, validation results and Data Docs emptied")
    return 0


def cmd_sql(args) -> int:
    from sparkify_lab.warehouse_admin import run_query

    columns, rows = run_query(project_stack(), args.query)
    if columns:
        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        writer.writerows(rows)
    return 0


def cmd_airflow(rest: list[str]) -> int:
    from sparkify_lab.runner import AIRFLOW

    return subprocess.call([AIRFLOW, *rest], env=airflow_environment(project_stack()))


def selects_browser_tests(pytest_args: list[str]) -> bool:
    """Whether pytest, given ``pytest_args``, would run a test of tests/browser/."""
    collected = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", *pytest_args], cwd=PROJECT_ROOT, capture_output=True, text=True
    )
    return any(line.startswith("tests/browser/") for line in collected.stdout.splitlines())


def has_chromium() -> bool:
    return bool(shutil.which("chromedriver") and shutil.which("chromium"))


def install_chromium() -> None:
    """Debian's headless Chromium and its driver for the browser tests, installed as root."""
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        print("sparkify: chromium and chromium-driver are missing (as root: apt-get install chromium chromium-driver)", file=sys.stderr)
        return
    print("sparkify: installing Debian's chromium and chromium-driver for the browser tests (once) ...", file=sys.stderr)
    subprocess.run(["apt-get", "update", "-qq"], check=True, stdout=sys.stderr)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "chromium", "chromium-driver"],
        check=True,
        stdout=sys.stderr,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
    )


def cmd_test(rest: list[str]) -> int:
    # Collecting costs seconds: asked only on a machine without Chromium.
    if not has_chromium() and selects_browser_tests(rest):
        install_chromium()
    return subprocess.call([sys.executable, "-m", "pytest", *rest], cwd=PROJECT_ROOT)


# Commands whose arguments all belong to another program.
PASSTHROUGH = {"airflow": cmd_airflow, "test": cmd_test}


def synthetic_dataset(stack: LocalStack, start: datetime, end: datetime) -> Path:
    from sparkify_lab import datagen

    out = stack.root / "synthetic" / f"seed{SYNTHETIC_SEED}-{start:%Y%m%d%H}-{end:%Y%m%d%H}"
    if not (out / "log_json_path.json").exists():
        datagen.generate(out, start, end, seed=SYNTHETIC_SEED)
    return out


def cmd_demo(args) -> int:
    from sparkify_lab import dataset, runner, summary

    began = time.monotonic()
    start, end = runner.parse_hour(args.start), runner.parse_hour(args.end)
    if end <= start:
        print(f"--end {args.end} must be after --start {args.start}", file=sys.stderr)
        return 2
    stack = project_stack()
    print(f"starting the embedded stack in {stack.root} ...")
    stack.up()
    data_dir = Path(args.data).resolve() if args.data else synthetic_dataset(stack, start, end)
    dataset.check_layout(data_dir)
    uploaded = dataset.upload(stack, data_dir)
    print(f"dataset {data_dir}: {uploaded} objects uploaded to the local bucket")
    runner.ensure_metadata_db(stack)
    log_dir = stack.log_dir / "demo" / datetime.now().strftime("%Y%m%dT%H%M%S")
    outcomes = []
    for hour in runner.hours(start, end):
        outcome = runner.run_hour(stack, hour, log_dir)
        outcomes.append(outcome)
        state = "ok" if outcome.succeeded else "FAILED"
        print(f"  {hour:%Y-%m-%dT%H}  {state:6}  {outcome.seconds:5.1f} s  {outcome.log}")
    print()
    print(summary.render(stack, start, end, outcomes, time.monotonic() - began, log_dir))
    return 0 if all(o.succeeded for o in outcomes) else 1


def cmd_backfill(args) -> int:
    from sparkify_lab import backfill, dataset, runner

    start, end = runner.parse_hour(args.start), runner.parse_hour(args.end)
    if end <= start:
        print(f"--end {args.end} must be after --start {args.start}", file=sys.stderr)
        return 2
    stack = project_stack()
    stack.up()
    data_dir = Path(args.data).resolve() if args.data else synthetic_dataset(stack, start, end)
    dataset.check_layout(data_dir)
    print(f"dataset {data_dir}: {dataset.upload(stack, data_dir)} objects uploaded to the local bucket")
    summary = backfill.run(stack, start, end, max_active_runs=args.max_active_runs)
    print(summary.render())
    return 0 if summary.runs_failed == summary.outcomes.get("blocked", 0) else 1


def cmd_runs(args) -> int:
    from sparkify import sql_files
    from sparkify_lab.summary import text_table
    from sparkify_lab.warehouse_admin import run_query

    columns, rows = run_query(project_stack(), sql_files.read("history/last_runs.sql"), {"limit": args.last})
    shown_columns = {
        "batch_hour": "hour",
        "status": "status",
        "events_read": "events read",
        "events_staged": "staged",
        "events_quarantined": "quarantined",
        "songs_staged": "songs",
        "songs_quarantined": "songs quarantined",
        "songplays_published": "plays published",
        "users_published": "users published",
        "staging_gate": "staging gate",
        "warehouse_gate": "warehouse gate",
        "task_seconds": "task s",
        "blocked_by": "blocked by",
        "data_docs_url": "Data Docs (blocked or warned)",
    }

    def cell(column: str, value) -> str:
        if value is None:
            return ""
        if column == "batch_hour":
            return f"{value:%Y-%m-%dT%H}"
        if column == "task_seconds":
            return f"{value:.1f}"
        return value

    shown = [tuple(cell(c, dict(zip(columns, r))[c]) for c in shown_columns) for r in rows]
    headers = tuple(shown_columns.values())
    print(text_table(headers, shown) if rows else "no runs recorded yet (./sparkify demo runs some)")
    return 0


def _warehouse_of(stack: LocalStack):
    """The local warehouse through the same Airflow connection the DAG uses."""
    os.environ.update(airflow_environment(stack))
    from sparkify import warehouse

    return warehouse.for_connection("sparkify_warehouse")


def cmd_quality(args) -> int:
    from sparkify_lab import runner
    from sparkify_lab.summary import quality_grid
    from sparkify.quality.overview import Overview

    stack = project_stack()
    since = runner.parse_hour(args.since) if args.since else None
    until = runner.parse_hour(args.until) if args.until else None
    overview = Overview.load(_warehouse_of(stack), since, until, hours=args.hours)
    print(quality_grid(overview))
    if args.page:
        from sparkify.quality.context import GX_DIR
        from sparkify.quality.data_docs import DataDocsSite
        from sparkify.quality.overview import PAGE_NAME, write_page

        site = DataDocsSite.from_variables()
        page = write_page(overview, stack.data_docs_dir, site.archived_urls(GX_DIR))
        print(f"\nquality page: {stack.data_docs_url}{PAGE_NAME} ({page})")
    return 0


def cmd_docs(args) -> int:
    from sparkify_lab import runner
    from sparkify.quality.context import GX_DIR, open_context, results_dirs
    from sparkify.quality.data_docs import DataDocsSite
    from sparkify.quality.docs_window import render_archived

    stack = project_stack()
    _warehouse_of(stack)
    hour = runner.parse_hour(args.hour).replace(tzinfo=None)
    context = open_context("sparkify_warehouse")
    pages = render_archived(context, DataDocsSite.from_variables(), GX_DIR, results_dirs()[1], hour, args.suite)
    if not pages:
        print(f"no archived validation results of {hour:%Y-%m-%dT%H} (hours inside the Data Docs window are in the site already)")
        return 1
    print("\n".join(pages))
    return 0


def cmd_ui(args) -> int:
    from sparkify_lab.airflow_services import AirflowServices

    stack = project_stack()
    stack.up()
    with AirflowServices(stack, args.port, stack.log_dir / "airflow-services.log") as services:
        print(f"Airflow UI on {services.url} (loopback only; login skipped); logs in {services.log_path}; Ctrl-C stops it")
        try:
            for process in services.processes:
                process.wait()
        except KeyboardInterrupt:
            pass
    return 0


def cmd_bench(args) -> int:
    from sparkify_lab import bench

    if args.hours < 2:
        print(f"--hours {args.hours}: the history figure compares the last runs with the first, so it takes at least 2", file=sys.stderr)
        return 2
    print(bench.run_month(args.max_active_runs) if args.month else bench.run(args.events, args.songs, args.hours))
    return 0


def cmd_bad_hour(args) -> int:
    from sparkify_lab import bad_hour, runner

    stack = project_stack()
    stack.up()
    log_dir = stack.log_dir / "bad-hour" / datetime.now().strftime("%Y%m%dT%H%M%S")
    report = bad_hour.run(stack, runner.parse_hour(args.hour), log_dir)
    print(bad_hour.render(report))
    return 0 if not report.blocked.succeeded and report.tables_unchanged and report.rerun.succeeded else 1


def cmd_fuzz(args) -> int:
    # The harness runs its seeds, then random inputs; what widens its coverage stays in the
    # corpus for the next run, and an input that breaks an invariant is kept beside it.
    harness = PROJECT_ROOT / "native" / "event_lines" / "fuzz_event_lines.py"
    folder = project_stack().root / "fuzz"
    seeds, corpus = folder / "seeds", folder / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, str(harness), "--write-seeds", str(seeds)], check=True, stdout=subprocess.DEVNULL)
    print(f"sparkify fuzz: the event reader's C parser for {args.seconds} s; corpus {corpus}, failing inputs {folder}/crash-*", file=sys.stderr)
    return subprocess.call(
        [sys.executable, str(harness), f"-max_total_time={args.seconds}", f"-artifact_prefix={folder}/", str(corpus), str(seeds)]
    )


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in PASSTHROUGH:
        return PASSTHROUGH[argv[0]](argv[1:])
    parser = argparse.ArgumentParser(prog="sparkify", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="run the real DAG for a window of hours on the embedded stack")
    demo.add_argument("--data", help="a folder in the Sparkify layout (default: a generated synthetic dataset)")
    demo.add_argument("--start", default=DEFAULT_START, help="first hour, UTC (default %(default)s)")
    demo.add_argument("--end", default=DEFAULT_END, help="hour after the last, UTC (default %(default)s)")
    demo.set_defaults(func=cmd_demo)
    backfill = sub.add_parser("backfill", help="run a range of hours through the Airflow scheduler, with a progress bar and a summary")
    backfill.add_argument("--start", required=True, help="first hour, UTC, e.g. 2018-11-01T00")
    backfill.add_argument("--end", required=True, help="hour after the last, UTC, e.g. 2018-12-01T00")
    backfill.add_argument("--data", help="a folder in the Sparkify layout (default: a generated synthetic dataset)")
    backfill.add_argument("--max-active-runs", type=int, default=MAX_ACTIVE_RUNS, help="hours run at once (default %(default)s)")
    backfill.set_defaults(func=cmd_backfill)
    bench = sub.add_parser("bench", help="measured figures and ratios on a private stack: staging, memory, gates, songs")
    bench.add_argument("--events", type=int, default=1_000_000, help="events in the hour (default %(default)s)")
    bench.add_argument("--songs", type=int, default=14_896, help="song objects of the synthetic catalogue, used without the real dataset (default %(default)s, the real one's size)")
    bench.add_argument("--hours", type=int, default=100, help="equal hours run in a row for the history figure (default %(default)s)")
    bench.add_argument(
        "--month",
        action="store_true",
        help="instead: the real month (720 hours) through the scheduler, its warehouse against the contract (about 30 min)",
    )
    bench.add_argument("--max-active-runs", type=int, default=MAX_ACTIVE_RUNS, help="with --month: hours run at once (default %(default)s)")
    bench.set_defaults(func=cmd_bench)
    runs = sub.add_parser("runs", help="the latest hourly runs from the warehouse's run history")
    runs.add_argument("--last", type=int, default=24, help="how many runs (default %(default)s)")
    runs.set_defaults(func=cmd_runs)
    quality = sub.add_parser(
        "quality", help="gate outcomes by hour and suite, and the worst expectations, from the warehouse's validation results"
    )
    quality.add_argument("--since", help="first hour, UTC (default: --hours before --until)")
    quality.add_argument("--until", help="hour after the last, UTC (default: after the latest validated hour)")
    quality.add_argument("--hours", type=int, default=24, help="hours shown without --since (default %(default)s)")
    quality.add_argument("--page", action="store_true", help="also write this period's quality page beside Data Docs")
    quality.set_defaults(func=cmd_quality)
    docs = sub.add_parser("docs", help="render an hour's archived validation results (older than the Data Docs window) again")
    docs.add_argument("--hour", required=True, help="the hour, UTC, e.g. 2018-11-01T05")
    docs.add_argument("--suite", help="one suite only (default: every suite validated that hour)")
    docs.set_defaults(func=cmd_docs)
    bad = sub.add_parser(
        "bad-hour", help="inject bad events into one demo hour and show the gate block it (Slack message, Data Docs page)"
    )
    bad.add_argument("--hour", default="2018-11-15T11", help="the hour, UTC, of a day already in the local bucket (default %(default)s)")
    bad.set_defaults(func=cmd_bad_hour)
    fuzz = sub.add_parser("fuzz", help="fuzz the event reader's C parser (atheris) from its seeds, checking the reader's invariants")
    fuzz.add_argument("--seconds", type=int, default=60, help="how long (default %(default)s)")
    fuzz.set_defaults(func=cmd_fuzz)
    ui = sub.add_parser("ui", help="the Airflow UI, scheduler and DAG processor on 127.0.0.1, until Ctrl-C")
    ui.add_argument("--port", type=int, default=8080)
    ui.set_defaults(func=cmd_ui)
    sub.add_parser("up", help="start PostgreSQL, the S3 server and the Data Docs server on 127.0.0.1").set_defaults(func=cmd_up)
    sub.add_parser("down", help="stop the embedded stack").set_defaults(func=cmd_down)
    sub.add_parser("status", help="show whether the embedded stack runs").set_defaults(func=cmd_status)
    sub.add_parser("reset", help="empty the local warehouse, bucket and Data Docs").set_defaults(func=cmd_reset)
    sql = sub.add_parser("sql", help="run a query on the local warehouse, print CSV")
    sql.add_argument("query")
    sql.set_defaults(func=cmd_sql)
    sub.add_parser("airflow", help="the Airflow CLI with the local stack's environment (arguments go to airflow)")
    sub.add_parser("test", help="run the test suite (arguments go to pytest)")
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (StackError, ValueError) as error:
        print(f"sparkify {args.command}: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
