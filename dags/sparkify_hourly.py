"""
### sparkify_hourly

Every hour, stages that hour's listening events and any new song objects from S3
into the warehouse, validates them with Great Expectations (the `validate_staging`
gate: a failed critical expectation stops the hour before any load), then loads the
star schema: the fact `songplays` and the dimensions `users`, `songs`, `artists` and
`time`.

- **Partition**: the run for data interval [H, H+1) handles exactly the events with
  H <= ts < H+1 from that day's log object; rerunning it replaces that hour and
  nothing else.
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

from airflow.sdk import DAG, CronDataIntervalTimetable, TaskGroup, chain
from airflow.providers.standard.operators.empty import EmptyOperator

from sparkify.operators import (
    CreateTablesOperator,
    LoadDimensionOperator,
    LoadFactOperator,
    StageEventsOperator,
    StageSongsOperator,
    ValidateCheckpointOperator,
)
from sparkify.quality.slack import alert_task_failure

BUCKET = "{{ var.value.sparkify_bucket }}"
# Optional: the SQS queue with the bucket's ObjectCreated notifications for song_data/.
SONG_QUEUE = "{{ var.value.get('sparkify_song_queue', '') }}"
DAY_LOG_KEY = "log_data/{{ data_interval_start.strftime('%Y/%m/%Y-%m-%d') }}-events.json"

# The local stack (./sparkify) shortens the wait so a failing demo hour ends in seconds.
RETRY_DELAY = timedelta(seconds=int(os.environ.get("SPARKIFY_RETRY_DELAY_SECONDS", 300)))

default_args = {
    "owner": "sparkify-data",
    "retries": 3,
    "retry_delay": RETRY_DELAY,
    "depends_on_past": False,
    "email_on_retry": False,
    # Called once a task has failed for good (not per retry); gates send their own, richer message.
    "on_failure_callback": alert_task_failure,
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

    stage_events = StageEventsOperator(task_id="stage_events", bucket=BUCKET, key=DAY_LOG_KEY)
    stage_songs = StageSongsOperator(task_id="stage_songs", bucket=BUCKET, prefix="song_data/", queue_name=SONG_QUEUE)

    load_songplays = LoadFactOperator(
        task_id="load_songplays", table="songplays", select_sql="load/songplays.sql", partition_column="start_time"
    )
    load_users = LoadDimensionOperator(
        task_id="load_users",
        table="users",
        select_sql="load/users.sql",
        mode="upsert",
        key_columns=("user_id",),
        order_column="last_event_at",
    )
    load_songs = LoadDimensionOperator(
        task_id="load_songs", table="songs", select_sql="load/songs.sql", mode="upsert", key_columns=("song_id",)
    )
    load_artists = LoadDimensionOperator(
        task_id="load_artists", table="artists", select_sql="load/artists.sql", mode="upsert", key_columns=("artist_id",)
    )
    # time rows belong to the hour of the plays they describe, so the hour is replaced
    # like the fact's: a rerun over corrected data leaves no stale start_time behind.
    load_time = LoadFactOperator(
        task_id="load_time", table="time", select_sql="load/time.sql", partition_column="start_time"
    )

    with TaskGroup(group_id="validate_staging", tooltip="GX gate: staged data may be loaded") as validate_staging:
        validate_events = ValidateCheckpointOperator(
            task_id="staging_events",
            checkpoint_name="staging_events_hour",
            hourly_table="staging_events",
            on_failure_callback=None,
        )
        validate_songs = ValidateCheckpointOperator(
            task_id="staging_songs", checkpoint_name="staging_songs_catalogue", on_failure_callback=None
        )

    end = EmptyOperator(task_id="end")

    loads = [load_songplays, load_users, load_songs, load_artists, load_time]
    create_tables >> [stage_events, stage_songs]
    stage_events >> validate_events
    stage_songs >> validate_songs
    # No load starts before the whole staging gate has passed.
    validate_staging >> loads
    chain(loads, end)
