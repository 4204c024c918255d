"""Running the real DAG for a range of hours with the Airflow CLI, against the local stack."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sparkify_lab.airflow_env import airflow_environment
from sparkify_lab.stack import LocalStack

DAG_ID = "sparkify_hourly"
HOUR = timedelta(hours=1)
# The Airflow CLI of this interpreter's environment, whatever PATH says.
AIRFLOW = str(Path(sys.executable).parent / "airflow")


def parse_hour(text: str) -> datetime:
    """``2018-11-15T00`` (or any ISO form) as a UTC hour."""
    value = datetime.fromisoformat(text if len(text) > 13 else f"{text}:00")
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    value = value.astimezone(timezone.utc)
    if value.minute or value.second or value.microsecond:
        raise ValueError(f"{text!r} is not a whole hour")
    return value


def hours(start: datetime, end: datetime) -> Iterator[datetime]:
    hour = start
    while hour < end:
        yield hour
        hour += HOUR


def airflow(stack: LocalStack, *args: str, extra_env: dict[str, str] | None = None, **kwargs) -> subprocess.CompletedProcess:
    """Runs the Airflow CLI with the local stack's environment (plus ``extra_env``)."""
    return subprocess.run([AIRFLOW, *args], env={**airflow_environment(stack), **(extra_env or {})}, **kwargs)


def ensure_metadata_db(stack: LocalStack) -> None:
    stack.airflow_home.mkdir(parents=True, exist_ok=True)
    if not metadata_rows(stack, "select to_regclass('public.alembic_version') is not null")[0][0]:
        done = airflow(stack, "db", "migrate", capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"airflow db migrate failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")


def metadata_rows(stack: LocalStack, sql: str, params: tuple = ()) -> list[tuple]:
    """Rows of a query on the local Airflow metadata database (``%s`` placeholders)."""
    import psycopg2

    from sparkify_lab.stack import METADATA_DATABASE, PG_USER

    db = psycopg2.connect(host="127.0.0.1", port=stack.pg_port, user=PG_USER, dbname=METADATA_DATABASE)
    try:
        with db.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    finally:
        db.close()


@dataclass(frozen=True)
class HourOutcome:
    hour: datetime
    succeeded: bool
    seconds: float
    log: Path


def run_hour(stack: LocalStack, hour: datetime, log_dir: Path, extra_env: dict[str, str] | None = None) -> HourOutcome:
    """``airflow dags test`` for the run whose data interval is [hour, hour + 1h).

    A manual run of a data-interval timetable covers the interval that ends at the
    date it is given, so the date passed is the end of the hour.
    """
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / f"{hour:%Y-%m-%dT%H}.log"
    began = time.monotonic()
    with log.open("w") as out:
        done = airflow(
            stack, "dags", "test", DAG_ID, (hour + HOUR).isoformat(), extra_env=extra_env, stdout=out, stderr=subprocess.STDOUT
        )
    text = log.read_text(errors="replace")
    succeeded = done.returncode == 0 and "state=failed" not in text.replace(" ", "").lower()
    return HourOutcome(hour, succeeded, time.monotonic() - began, log)
