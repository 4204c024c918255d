"""The table the demo prints after its runs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from sparkify.local.runner import HourOutcome
from sparkify.local.stack import LocalStack
from sparkify.local.warehouse_admin import run_query
from sparkify.warehouse import schema

PER_HOUR_SQL = """
with staged as (
    select batch_hour as hour, count(*) as events, sum(case when page = 'NextSong' then 1 else 0 end) as plays
    from staging_events
    where batch_hour >= %(start)s and batch_hour < %(end)s
    group by batch_hour
),
loaded as (
    select date_trunc('hour', start_time) as hour, count(*) as songplays, count(song_id) as matched
    from songplays
    where start_time >= %(start)s and start_time < %(end)s
    group by 1
)
select
    coalesce(staged.hour, loaded.hour) as hour,
    coalesce(staged.events, 0),
    coalesce(staged.plays, 0),
    coalesce(loaded.songplays, 0),
    coalesce(loaded.matched, 0)
from staged
full outer join loaded on loaded.hour = staged.hour
order by 1
"""


def _table(headers: Sequence[str], rows: Sequence[Sequence]) -> str:
    cells = [list(map(str, headers))] + [[str(v) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths))) for row in cells]
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
    _, per_hour = run_query(stack, PER_HOUR_SQL, window)
    state = {o.hour.replace(tzinfo=None): ("ok" if o.succeeded else "FAILED") for o in outcomes}
    hour_rows = [(f"{h:%Y-%m-%dT%H}", state.get(h, "-"), e, p, s, m) for h, e, p, s, m in per_hour]
    failed = sum(1 for o in outcomes if not o.succeeded)
    return "\n".join(
        [
            "Rows per table (whole warehouse)",
            _table(("table", "rows"), counts),
            "",
            f"Per hour, {start:%Y-%m-%dT%H} to {end:%Y-%m-%dT%H} (UTC, end exclusive)",
            _table(("hour", "run", "events staged", "NextSong", "songplays", "with song_id"), hour_rows),
            "",
            f"{len(outcomes)} hours run, {failed} failed, {elapsed:.1f} s in all",
            f"logs: {log_dir} (one file per hour); Airflow task logs: {stack.log_dir / 'airflow'}",
        ]
    )
