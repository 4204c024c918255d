"""
### sparkify_hourly

Every hour, stages that hour's listening events and any new song objects from S3
into the warehouse and publishes them to the star schema (the fact `songplays`, the
dimensions `users`, `songs`, `artists` and `time`) by write-audit-publish:

1. `validate_staging` (Great Expectations: the suites `staging_events`,
   `staging_songs`, `stage_reconciliation`) checks the staged rows;
2. `build_audit` writes the hour's star rows into audit tables (`audit_<table>`) that
   analysts do not query;
3. `validate_warehouse` (one suite per star table) checks those rows against the
   published tables;
4. `publish` moves them into the star tables in one transaction.

A failed critical expectation at either gate stops the hour there: the published
tables stay exactly as they were, the gate task links its Data Docs page and Slack
is told which expectations failed. Failed warnings alert and let the hour flow on.

- **Partition**: the run for data interval [H, H+1) handles exactly the events with
  H <= ts < H+1 from that day's log objects; rerunning it replaces that hour and
  nothing else.
- **Bad input**: a record that cannot be staged (not JSON, wrong types, no ts, outside
  its object's day, a duplicate) goes to the table `quarantine` with its object, line,
  raw text and reason; `stage_reconciliation` accounts for every record read, and the
  suite `stage_reconciliation` of the staging gate fails the hour when more than
  `sparkify_max_quarantined_share` (default 0.05) of its records are quarantined.
- **Songs**: only objects that are new or changed since they were staged are read;
  with the variable `sparkify_song_queue` (an SQS queue receiving the bucket's
  ObjectCreated notifications) they are found without listing the catalogue.
- **Backend**: the `sparkify_warehouse` connection's type (`postgres` or `redshift`)
  picks how staging runs; the rest is the same SQL.
- **Settings**: the bucket comes from the Airflow variable `sparkify_bucket`.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

from airflow.sdk import DAG, CronDataIntervalTimetable

from sparkify.operators import (
    BuildAuditOperator,
    CreateTablesOperator,
    PublishOperator,
    StageEventsOperator,
    StageSongsOperator,
    ValidateCheckpointOperator,
)
from sparkify.quality.slack import alert_task_failure
from sparkify.run_history import record_failure, record_success

BUCKET = "{{ var.value.sparkify_bucket }}"
# Optional: the SQS queue with the bucket's ObjectCreated notifications for song_data/.
SONG_QUEUE = "{{ var.value.get('sparkify_song_queue', '') }}"
# The day's log objects: usually one, 2018-11-15-events.json; a split or redelivered day adds more.
DAY_LOG_PREFIX = "log_data/{{ data_interval_start.strftime('%Y/%m/%Y-%m-%d') }}-events"
# Above this share of an hour's records in quarantine, the reconciliation gate fails the hour.
MAX_QUARANTINED_SHARE = "{{ var.value.get('sparkify_max_quarantined_share', '0.05') }}"
# A failing expectation alerts once, then reminds at most once every this many hours of data.
ALERT_REMINDER_HOURS = "{{ var.value.get('sparkify_alert_reminder_hours', '24') }}"

# The local stack (./sparkify) shortens the wait so a failing demo hour ends in seconds.
RETRY_DELAY = timedelta(seconds=int(os.environ.get("SPARKIFY_RETRY_DELAY_SECONDS", 300)))

default_args = {
    "owner": "sparkify-data",
    "retries": 3,
    "retry_delay": RETRY_DELAY,
    "depends_on_past": False,
    "email_on_retry": False,
    # Only the gates take it (ValidateCheckpointOperator).
    "alert_reminder_hours": ALERT_REMINDER_HOURS,
    # Called once a task has failed for good (not per retry); a gate that blocks the hour
    # sends its own, richer message, but its other errors (e.g. the warehouse down) alert here.
    "on_failure_callback": [alert_task_failure, record_failure],
    # Each task's outcome goes to the warehouse's run history (run_steps / run_history).
    "on_success_callback": record_success,
}

with DAG(
    dag_id="sparkify_hourly",
    description="Hourly S3 -> staging -> star schema load of Sparkify listening data",
    doc_md=__doc__,
    # A data-interval timetable: each run covers [H, H+1), unlike "@hourly" in Airflow 3.
    schedule=CronDataIntervalTimetable("0 * * * *", timezone="UTC"),
    start_date=datetime(2018, 11, 1, tzinfo=timezone.utc),
    catchup=True,
    max_active_runs=4,
    default_args=default_args,
    tags=["sparkify"],
) as dag:
    create_tables = CreateTablesOperator(task_id="create_tables")

    stage_events = StageEventsOperator(
        task_id="stage_events", bucket=BUCKET, prefix=DAY_LOG_PREFIX, max_quarantined_share=MAX_QUARANTINED_SHARE
    )
    stage_songs = StageSongsOperator(
        task_id="stage_songs",
        bucket=BUCKET,
        prefix="song_data/",
        queue_name=SONG_QUEUE,
        max_quarantined_share=MAX_QUARANTINED_SHARE,
    )

    # One gate task per stage of write-audit-publish, running the checkpoint of each
    # suite of that stage: a task costs the scheduler about as much as its work.
    validate_staging = ValidateCheckpointOperator(
        task_id="validate_staging",
        checkpoint_names=["staging_events_hour", "staging_songs_hour", "stage_reconciliation_hour"],
        # The volume check's bounds, from this hour of day in the run history.
        expectation_parameters_sql="quality/volume_bounds.sql",
        # On a failed balance the gate's message names the worst object and line.
        failure_details={"stage_reconciliation": "quality/worst_quarantined_record.sql"},
        # The warehouse gate writes the hour's quality page, unless this one blocks the hour.
        last_gate=False,
    )
    build_audit = BuildAuditOperator(task_id="build_audit")
    validate_warehouse = ValidateCheckpointOperator(
        task_id="validate_warehouse",
        # Largest first: the gate validates two at a time, and its last one alone.
        checkpoint_names=[f"warehouse_{table}_hour" for table in ("songplays", "time", "users", "songs", "artists")],
        # The plays the hour's NextSong events call for.
        expectation_parameters_sql="quality/staged_plays.sql",
    )

    # Its outlets are the published tables' assets (sparkify.assets): downstream DAGs
    # scheduled on them run on validated hours only.
    publish = PublishOperator(task_id="publish", gate_task_ids=[validate_staging.task_id, validate_warehouse.task_id])

    create_tables >> [stage_events, stage_songs] >> validate_staging
    # Nothing is built before the staging gate has passed both stages, and nothing is
    # published before the warehouse gate has passed every table of the hour.
    validate_staging >> build_audit >> validate_warehouse >> publish
