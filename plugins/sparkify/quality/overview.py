"""The quality of a period of hours at a glance, from the warehouse's validation_results:
each hour's gate outcome by suite (passed / warning / critical), the worst expectations,
and the hourly volume against its warning bounds. ``./sparkify quality`` prints it; the
hour's last gate rewrites the static page ``quality.html`` beside Data Docs (:func:`write_page`),
whose cells link to the hour's Data Docs pages.
"""

from __future__ import annotations

import functools
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sparkify.quality.docs_window import LIVE_HOURS

HOUR = timedelta(hours=1)
# The gates' suites in the order the data meets them; a suite added later is shown after.
SUITES = ("staging_events", "staging_songs", "stage_reconciliation", "songplays", "users", "songs", "artists", "time")
TEMPLATES = Path(__file__).resolve().parent / "templates"
PAGE_NAME = "quality.html"


def _naive_utc(moment: datetime | None) -> datetime | None:
    """The warehouse's timestamps are naive UTC."""
    if moment is None or moment.tzinfo is None:
        return moment
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


@functools.cache
def _templates():
    """The page's template, compiled once a machine (Jinja's bytecode cache in the system's
    temporary folder, keyed by the template's checksum) and loaded once a process."""
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        bytecode_cache=jinja2.FileSystemBytecodeCache(),
    )


@dataclass(frozen=True)
class Cell:
    outcome: str  # passed, warning or critical
    failed: int
    expectations: int
    data_docs_url: str | None


@dataclass(frozen=True)
class GridRow:
    hour: str  # 2018-11-15T10
    label: str  # 2018-11-15 10:00
    cells: list[tuple[str, Cell | None, str | None]]  # suite, its cell if validated, the cell's link


@dataclass
class Overview:
    since: datetime
    until: datetime
    # Older hours' pages have moved to the Data Docs site's archive folder.
    live_since: datetime
    cells: dict[tuple[datetime, str], Cell] = field(default_factory=dict)
    worst: list[dict] = field(default_factory=list)
    volume: list[dict] = field(default_factory=list)

    @classmethod
    def load(cls, backend, since: datetime | None = None, until: datetime | None = None, hours: int = 24) -> Overview:
        """The hours [since, until); without ``until``, up to the last validated hour;
        without ``since``, the ``hours`` hours before ``until`` (from the first validated
        hour, if later: the hours before the pipeline ran are not missing)."""
        since, until = (_naive_utc(t) for t in (since, until))
        with backend.queries() as query:
            span = query.row("quality/select_validated_span.sql", {})
            first, last = span["first_hour"] or datetime(1970, 1, 1), span["last_hour"] or datetime(1970, 1, 1)
            until = until or last + HOUR
            since = since or max(until - hours * HOUR, min(first, until - HOUR))
            params = {"since": since, "until": until}
            overview = cls(since, until, live_since=last - LIVE_HOURS * HOUR)
            for row in query.rows("quality/select_hour_grid.sql", params):
                overview.cells[row["batch_hour"], row["suite"]] = Cell(
                    row["outcome"], int(row["failed"]), int(row["expectations"]), row["data_docs_url"]
                )
            overview.worst = query.rows("quality/select_worst_expectations.sql", params)
            overview.volume = query.rows("quality/select_hourly_volume.sql", params)
        return overview

    def link(self, hour: datetime, cell: Cell, archived_url: Callable[[str], str]) -> str:
        """The cell's Data Docs page where it is now (``archived_url`` maps a page's URL
        to its place in the archive)."""
        if not cell.data_docs_url:
            return "#"
        return cell.data_docs_url if hour >= self.live_since else archived_url(cell.data_docs_url)

    def grid_rows(self, archived_url: Callable[[str], str]) -> list[GridRow]:
        """The grid's rows, latest hour first, each cell with its link."""
        suites = self.suites
        rows = []
        for hour in reversed(self.hours):
            cells = []
            for suite in suites:
                cell = self.cells.get((hour, suite))
                cells.append((suite, cell, self.link(hour, cell, archived_url) if cell else None))
            rows.append(GridRow(f"{hour:%Y-%m-%dT%H}", f"{hour:%Y-%m-%d %H:00}", cells))
        return rows

    @property
    def hours(self) -> list[datetime]:
        """Every hour of the period, validated or not (a missing hour is worth seeing)."""
        count = int((self.until - self.since) / HOUR)
        return [self.since + n * HOUR for n in range(count)]

    @property
    def suites(self) -> list[str]:
        seen = {suite for _, suite in self.cells}
        return [s for s in SUITES if s in seen] + sorted(seen - set(SUITES)) or list(SUITES)

    def outcome_counts(self) -> dict[str, int]:
        """Hours by their worst outcome across suites (not validated: no result at all)."""
        rank = {"passed": 1, "warning": 2, "critical": 3}
        counts = {"passed": 0, "warning": 0, "critical": 0, "not validated": 0}
        suites = self.suites
        for hour in self.hours:
            outcomes = [self.cells[hour, s].outcome for s in suites if (hour, s) in self.cells]
            counts[max(outcomes, key=rank.get) if outcomes else "not validated"] += 1
        return counts

    def html(self, archived_url: Callable[[str], str]) -> str:
        return _templates().get_template("quality.html.j2").render(
            overview=self,
            suites=self.suites,
            # Two weeks are about 2,700 cells: what a cell shows is worked out in Python
            # once, not by calls from the template (half the page's time).
            rows=self.grid_rows(archived_url),
            plot=volume_plot(self.volume, self.since, self.until),
        )


@dataclass(frozen=True)
class VolumePlot:
    width: int
    height: int
    lines: list[str]  # SVG points of each run of consecutive validated hours
    band: list[str]  # SVG polygon points of each run of consecutive hours with bounds
    outliers: list[tuple[float, float, str]]  # x, y, label of hours outside their bounds
    y_max: int


def _consecutive(volume: list[dict], included) -> list[list[dict]]:
    """``volume``'s runs of consecutive hours for which ``included(row)`` holds."""
    runs: list[list[dict]] = []
    previous = None
    for row in volume:
        hour = row["batch_hour"]
        if not included(row):
            previous = None
            continue
        if previous is None or hour - previous > HOUR:
            runs.append([])
        runs[-1].append(row)
        previous = hour
    return runs


def volume_plot(volume: list[dict], since: datetime, until: datetime, width: int = 960, height: int = 220) -> VolumePlot:
    """Screen coordinates of the hourly event counts and their warning bounds."""
    span = max((until - since) / HOUR - 1, 1)
    y_max = max([1, *(v["events"] or 0 for v in volume), *(v["max_value"] or 0 for v in volume)])

    def point(hour: datetime, value: float) -> str:
        return f"{round((hour - since) / HOUR / span * width, 1)},{round(height - value / y_max * height, 1)}"

    lines = [" ".join(point(v["batch_hour"], v["events"] or 0) for v in run) for run in _consecutive(volume, bool)]
    # An open side of the bounds (no ceiling, no floor) runs to the plot's edge.
    bounded = _consecutive(volume, lambda v: v["min_value"] is not None or v["max_value"] is not None)
    band = [
        " ".join(
            [
                *(point(v["batch_hour"], y_max if v["max_value"] is None else v["max_value"]) for v in run),
                *(point(v["batch_hour"], v["min_value"] or 0) for v in reversed(run)),
            ]
        )
        for run in bounded
    ]
    outliers = [
        (*map(float, point(v["batch_hour"], v["events"] or 0).split(",")), f"{v['batch_hour']:%Y-%m-%dT%H}: {v['events']} events")
        for v in volume
        if not v["within_bounds"]
    ]
    return VolumePlot(width, height, lines, band, outliers, int(y_max))


def write_page(overview: Overview, site_dir: Path, archived_url: Callable[[str], str]) -> Path:
    """Rewrites ``quality.html`` in the Data Docs folder; concurrent gates each replace
    the whole file at once."""
    page = site_dir / PAGE_NAME
    site_dir.mkdir(parents=True, exist_ok=True)
    html = overview.html(archived_url)
    handle, temporary = tempfile.mkstemp(dir=site_dir, prefix=".quality-", suffix=".html")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(html)
    os.chmod(temporary, 0o644)
    os.replace(temporary, page)
    return page
