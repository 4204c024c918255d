"""Alerts without fatigue: a failed expectation is told to Slack once when it starts
failing, then at most once every ``reminder_hours`` hours of data while it keeps failing
(with the number of hours it failed), and once more when it passes again.

The open alerts live in the warehouse table ``alert_state`` (they survive restarts and
are shared by every worker); each gate decides about its expectations under a lock on
that table, so concurrent hours never both announce the same failure. Hours are the
runs' data hours, never the wall clock: a backfill alerts as the live hours would.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sparkify import sql_files
from sparkify.quality.report import expected_range

DEFAULT_REMINDER_HOURS = 24


@dataclass(frozen=True)
class AlertItem:
    suite: str
    expectation: str
    target: str
    severity: str
    # What this hour's run found: its unexpected count, else its observed value.
    unexpected: object
    expected: str
    hours_failed: int
    since: datetime


@dataclass
class AlertChanges:
    opened: list[AlertItem] = field(default_factory=list)
    reminded: list[AlertItem] = field(default_factory=list)
    recovered: list[AlertItem] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.opened or self.reminded or self.recovered)

    @property
    def suites(self) -> list[str]:
        return sorted({item.suite for item in (*self.opened, *self.reminded, *self.recovered)})


def _item(row: dict, *, hours_failed: int, since: datetime) -> AlertItem:
    unexpected = row["unexpected_count"] if row["unexpected_count"] is not None else row["observed_value"]
    return AlertItem(
        suite=row["suite"],
        expectation=row["expectation_type"],
        target=row["target"],
        severity=row["severity"],
        unexpected=unexpected,
        expected=expected_range(row["min_value"], row["max_value"]),
        hours_failed=hours_failed,
        since=since,
    )


def update(
    backend, *, checkpoints: Sequence[str], batch_hour: datetime, reminder_hours: int, notify: Callable[[AlertChanges], None]
) -> AlertChanges:
    """Moves the alerts of what ``checkpoints`` recorded for ``batch_hour`` (in
    validation_results) and calls ``notify`` once with the changes worth a message, if
    any. If ``notify`` raises, nothing changes: the next hour's gate tells them."""
    changes = AlertChanges()
    with backend.transaction() as cursor:
        backend.execute_script(cursor, sql_files.read(f"quality/{backend.kind}/lock_alert_state.sql"))
        rows = []
        for checkpoint in checkpoints:
            params = {"checkpoint": checkpoint, "batch_hour": batch_hour}
            cursor.execute(sql_files.read("quality/select_alert_candidates.sql").strip().rstrip(";"), params)
            rows += [dict(zip((d[0] for d in cursor.description), values)) for values in cursor.fetchall()]
        for row in rows:
            key = {"suite": row["suite"], "expectation_id": row["expectation_id"], "batch_hour": batch_hour}
            if row["success"]:
                if row["first_failed_hour"] is not None and batch_hour > row["last_failed_hour"]:
                    backend.execute_script(cursor, sql_files.read("quality/close_alert.sql"), key)
                    changes.recovered.append(_item(row, hours_failed=row["hours_failed"], since=row["first_failed_hour"]))
            elif row["first_failed_hour"] is None:
                backend.execute_script(cursor, sql_files.read("quality/open_alert.sql"), key)
                changes.opened.append(_item(row, hours_failed=1, since=batch_hour))
            else:
                due = batch_hour - row["notified_hour"] >= timedelta(hours=reminder_hours)
                notified_hour = batch_hour if due else row["notified_hour"]
                backend.execute_script(cursor, sql_files.read("quality/extend_alert.sql"), {**key, "notified_hour": notified_hour})
                if due:
                    changes.reminded.append(
                        _item(row, hours_failed=row["hours_failed"], since=min(row["first_failed_hour"], batch_hour))
                    )
        if changes:
            notify(changes)
    return changes
