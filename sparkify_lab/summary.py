"""The tables the commands print: the demo's after its runs, and ``./sparkify quality``'s."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from sparkify import sql_files
from sparkify.warehouse import schema
from sparkify_lab.runner import HourOutcome
from sparkify_lab.stack import LocalStack
from sparkify_lab.warehouse_admin import run_query


def text_table(headers: Sequence[str], rows: Sequence[Sequence]) -> str:
    cells = [list(map(str, headers))] + [[str(v) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = [
        "  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths))).rstrip() for row in cells
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def render(
    stack: LocalStack, start: datetime, end: datetime, outcomes: Sequence[HourOutcome], elapsed: float, log_dir: Path
) -> str:
    counts = []
    for table in schema.STAR_TABLES + ("staging_events", "staging_songs"):
        _, rows = run_query(stack, f"select count(*) from {schema.table(table)}")
        counts.append((table, rows[0][0]))
    window = {"start": start.replace(tzinfo=None), "end": end.replace(tzinfo=None)}
    _, per_hour = run_query(stack, sql_files.read("report/demo_hours.sql"), window)
    counts_by_hour = {h: rest for h, *rest in per_hour}
    hour_rows = [
        (f"{o.hour:%Y-%m-%dT%H}", "ok" if o.succeeded else "FAILED", *counts_by_hour.get(o.hour.replace(tzinfo=None), (0, 0, 0, 0)))
        for o in outcomes
    ]
    failed = sum(1 for o in outcomes if not o.succeeded)
    return "\n".join(
        [
            "Rows per table (whole warehouse)",
            text_table(("table", "rows"), counts),
            "",
            f"Per hour, {start:%Y-%m-%dT%H} to {end:%Y-%m-%dT%H} (UTC, end exclusive)",
            text_table(("hour", "run", "events staged", "NextSong", "songplays", "with song_id"), hour_rows),
            "",
            f"{len(outcomes)} hours run, {failed} failed, {elapsed:.1f} s in all",
            f"logs: {log_dir} (one file per hour); Airflow task logs: {stack.log_dir / 'airflow'}",
            f"Data Docs: {stack.data_docs_url}index.html (served while the stack runs; files in {stack.data_docs_dir})",
        ]
    )


_MARKS = {"passed": "pass", "warning": "warn", "critical": "FAIL"}


def quality_grid(overview) -> str:
    """Hours down, suites across (pass / warn / FAIL, blank: not validated), then the
    worst expectations of the period."""
    suites = overview.suites
    grid = [
        (f"{hour:%Y-%m-%dT%H}", *(_MARKS[c.outcome] if (c := overview.cells.get((hour, s))) else "" for s in suites))
        for hour in overview.hours
    ]
    counts = overview.outcome_counts()
    lines = [
        f"Gate outcomes, {overview.since:%Y-%m-%dT%H} to {overview.until:%Y-%m-%dT%H} (UTC, end exclusive): "
        f"{counts['passed']} hours passed, {counts['warning']} with warnings, {counts['critical']} blocked, "
        f"{counts['not validated']} not validated",
        text_table(("hour", *suites), grid),
        "",
    ]
    if overview.worst:
        worst = [
            (w["suite"], w["expectation_type"], w["target"][:60], w["severity"], f"{w['hours_failed']} of {w['hours_validated']}",
             f"{w['last_failed_hour']:%Y-%m-%dT%H}", w["unexpected_rows"])
            for w in overview.worst
        ]
        lines += [
            "Worst expectations of the period",
            text_table(("suite", "expectation", "on", "severity", "hours failed", "last failed", "unexpected rows"), worst),
        ]
    else:
        lines.append("No expectation failed in this period.")
    return "\n".join(lines)
