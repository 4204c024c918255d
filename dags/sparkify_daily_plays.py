"""
### sparkify_daily_plays

Keeps `daily_plays_by_level` (plays and distinct listeners per day and subscription
level) current for the product team's dashboard. It runs whenever `sparkify_hourly`
publishes an hour, that is only after both quality gates passed for it: it is
scheduled on the `sparkify.songplays` asset, and recomputes the days of the hours
that triggered it from the published `songplays`.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from airflow.sdk import DAG

from sparkify.assets import published_table
from sparkify.operators import RefreshDailyPlaysOperator
from sparkify.quality.slack import alert_task_failure

with DAG(
    dag_id="sparkify_daily_plays",
    description="Plays per day and level, refreshed when a validated hour is published",
    doc_md=__doc__,
    schedule=[published_table("songplays")],
    start_date=datetime(2018, 11, 1, tzinfo=timezone.utc),
    catchup=False,
    max_active_runs=1,
    default_args={
        "owner": "sparkify-data",
        "retries": 3,
        "retry_delay": timedelta(minutes=5),
        "on_failure_callback": alert_task_failure,
    },
    tags=["sparkify"],
) as dag:
    RefreshDailyPlaysOperator(task_id="refresh_daily_plays_by_level")
