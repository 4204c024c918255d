"""Amazon Redshift, the production warehouse. Everything Redshift-only lives here
and under ``sql/stage/redshift/``: column types, distribution and sort keys, and
COPY from S3 with an IAM role.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sparkify import sql_files
from sparkify.warehouse.base import HourWindow, Reconcile, StageResult, Warehouse
from sparkify.warehouse.schema import AUDIT_TABLES

if TYPE_CHECKING:
    from airflow.providers.amazon.aws.hooks.s3 import S3Hook

# Redshift-only table clauses. songplays and time share the start_time sort key so
# hourly deletes and range scans touch few blocks; small dimensions go to every node.
TABLE_ATTRIBUTES = {
    "staging_events": "diststyle even sortkey (batch_hour)",
    "staging_songs": "diststyle key distkey (song_id) sortkey (batch_hour)",
    "staging_song_objects": "diststyle all",
    "quarantine": "diststyle even sortkey (batch_hour)",
    "stage_reconciliation": "diststyle all sortkey (batch_hour)",
    "songplays": "diststyle key distkey (song_id) sortkey (start_time)",
    "users": "diststyle all sortkey (user_id)",
    "songs": "diststyle key distkey (song_id) sortkey (song_id)",
    "artists": "diststyle all sortkey (artist_id)",
    "time": "diststyle all sortkey (start_time)",
    "daily_plays_by_level": "diststyle all sortkey (day)",
    "run_steps": "diststyle all sortkey (batch_hour)",
    "validation_results": "diststyle even sortkey (batch_hour)",
    "alert_state": "diststyle all",
    # Audit tables hold one run's rows for a few minutes; each run reads only its hour.
    **{audit_table: "diststyle even sortkey (batch_hour)" for audit_table in AUDIT_TABLES.values()},
}
# Redshift's text is varchar(256): user agents and locations can be longer.
LONG_TEXT = "varchar(65535)"

_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")


class UnsafeLiteralError(ValueError):
    """A value that cannot be placed in a COPY statement safely."""


def quote_literal(value: str) -> str:
    """A SQL string literal for a value already checked to hold no quote, backslash or control byte."""
    if any(ch in value for ch in "'\\") or any(ord(ch) < 32 for ch in value):
        raise UnsafeLiteralError(f"refusing to put {value!r} into SQL text: it holds a quote, backslash or control byte")
    return f"'{value}'"


def s3_uri(bucket: str, key: str) -> str:
    if not _BUCKET.match(bucket):
        raise UnsafeLiteralError(f"{bucket!r} is not a valid S3 bucket name")
    return quote_literal(f"s3://{bucket}/{key}")


def song_objects_csv(keys: Mapping[str, str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(keys.items())
    return out.getvalue()


class RedshiftWarehouse(Warehouse):
    """Redshift through the Amazon provider's ``RedshiftSQLHook``.

    COPY authenticates with the IAM role in the AWS connection's extra (``role_arn``)
    and runs in the region of that connection (``region_name``).

    :param conn_id: the Redshift connection
    :param aws_conn_id: the AWS connection that names the role and region
    :param manifest_prefix: where COPY manifests (``events/``, ``songs/``) are written in the bucket
    """

    kind = "redshift"

    def __init__(self, conn_id: str, aws_conn_id: str = "aws_default", manifest_prefix: str = "manifests/") -> None:
        super().__init__(conn_id)
        self.aws_conn_id = aws_conn_id
        self.manifest_prefix = manifest_prefix

    def _connect(self):
        from airflow.providers.amazon.aws.hooks.redshift_sql import RedshiftSQLHook

        conn = RedshiftSQLHook(redshift_conn_id=self.conn_id).get_conn()
        conn.paramstyle = "pyformat"
        return conn

    def ddl_placeholders(self) -> dict[str, Any]:
        return {"long_text": LONG_TEXT, "table_attributes": TABLE_ATTRIBUTES}

    def _copy_credentials(self) -> dict[str, str]:
        from airflow.sdk import BaseHook

        extra = BaseHook.get_connection(self.aws_conn_id).extra_dejson
        role, region = extra.get("role_arn", ""), extra.get("region_name", "")
        if not _ROLE_ARN.match(role):
            raise UnsafeLiteralError(
                f"connection {self.aws_conn_id!r} needs extra.role_arn, the IAM role Redshift's COPY assumes "
                f"(arn:aws:iam::<account>:role/<name>); got {role!r}"
            )
        if not _REGION.match(region):
            raise UnsafeLiteralError(f"connection {self.aws_conn_id!r} needs extra.region_name (e.g. us-west-2); got {region!r}")
        return {"iam_role": quote_literal(role), "region": quote_literal(region)}

    def render_copy_events(self, bucket: str, manifest_key: str, jsonpaths_key: str) -> str:
        return sql_files.render(
            "stage/redshift/copy_events.sql",
            manifest_uri=s3_uri(bucket, manifest_key),
            jsonpaths_uri=s3_uri(bucket, jsonpaths_key),
            **self._copy_credentials(),
        )

    def render_copy_songs(self, bucket: str, manifest_key: str) -> str:
        return sql_files.render(
            "stage/redshift/copy_songs.sql", manifest_uri=s3_uri(bucket, manifest_key), **self._copy_credentials()
        )

    def render_copy_song_objects(self, bucket: str, objects_key: str) -> str:
        return sql_files.render(
            "stage/redshift/copy_song_objects.sql", objects_uri=s3_uri(bucket, objects_key), **self._copy_credentials()
        )

    def stage_events(
        self, s3: S3Hook, bucket: str, keys: Sequence[str], jsonpaths_key: str, window: HourWindow, reconcile: Reconcile
    ) -> StageResult:
        with self.transaction() as cursor:
            self.execute_script(cursor, sql_files.read("stage/clear_events_hour.sql"), window.params)
            self.execute_script(cursor, sql_files.read("stage/redshift/create_event_lines.sql"))
            if keys:
                manifest_key = f"{self.manifest_prefix}events/{window.start:%Y-%m-%dT%H}.manifest"
                s3.load_string(self.manifest(bucket, keys), manifest_key, bucket_name=bucket, replace=True)
                # The COPY text holds the role ARN: run it, never log it.
                cursor.execute(self.render_copy_events(bucket, manifest_key, jsonpaths_key))
                params = {"source": reconcile.source, "bucket_uri": f"s3://{bucket}/"}
                self.execute_script(cursor, sql_files.read("stage/redshift/complete_event_lines.sql"), params)
            return self._place_events(cursor, window, reconcile, objects_read=len(keys))

    def manifest(self, bucket: str, keys: Iterable[str]) -> str:
        """A COPY manifest naming exactly ``keys``; mandatory, so a vanished object fails the COPY."""
        return json.dumps({"entries": [{"url": f"s3://{bucket}/{key}", "mandatory": True} for key in keys]})

    def stage_songs(self, s3: S3Hook, bucket: str, candidates: Mapping[str, str], window: HourWindow, reconcile: Reconcile) -> StageResult:
        batch = f"{self.manifest_prefix}songs/{window.start:%Y-%m-%dT%H}"
        params = {**window.params, "source": reconcile.source, "max_quarantined_share": reconcile.max_quarantined_share}
        with self.transaction() as cursor:
            keys = self._claim_song_objects(cursor, candidates)
            if not keys:
                return StageResult(objects=0, rows=0)
            s3.load_string(self.manifest(bucket, keys), f"{batch}.manifest", bucket_name=bucket, replace=True)
            s3.load_string(song_objects_csv(keys), f"{batch}.objects.csv", bucket_name=bucket, replace=True)
            self.execute_script(cursor, sql_files.read("stage/redshift/create_new_songs.sql"))
            cursor.execute(self.render_copy_songs(bucket, f"{batch}.manifest"))
            # Right after the songs' COPY: pg_last_copy_id() names it.
            self.execute_script(cursor, sql_files.read("stage/redshift/insert_rejected_songs.sql"), {"bucket_uri": f"s3://{bucket}/"})
            cursor.execute(self.render_copy_song_objects(bucket, f"{batch}.objects.csv"))
            inserted = self.execute_script(cursor, sql_files.read("stage/merge_staging_songs.sql"), params)
            return StageResult(
                objects=len(keys), rows=inserted["staging_songs"], records=len(keys), quarantined=inserted["quarantine"]
            )
