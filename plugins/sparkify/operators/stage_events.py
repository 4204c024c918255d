from __future__ import annotations

from airflow.sdk import BaseOperator


class StageEventsOperator(BaseOperator):
    """Stages the events of the run's hour from the day's log objects.

    Every object under ``prefix`` is read (a day usually has one; a redelivered or
    split day has more). Each record is staged if it belongs to the run's hour, left
    to the hour it belongs to, or quarantined (table ``quarantine``: object, line, raw
    text, reason); the balance goes to ``stage_reconciliation``, which the GX gate
    checks against ``max_quarantined_share``. Rerunning an hour replaces all of that
    and nothing else. An hour without objects stages zero rows and succeeds.

    :param bucket: S3 bucket of the logs (templated)
    :param prefix: key prefix of the day's log objects (templated)
    :param jsonpaths_key: key of the JSONPaths file Redshift's COPY uses (templated)
    :param max_quarantined_share: share of the hour's records that may be quarantined
        before the gate fails the hour (templated)
    :param warehouse_conn_id: the warehouse connection (templated)
    :param aws_conn_id: the AWS connection (templated)
    """

    template_fields = ("bucket", "prefix", "jsonpaths_key", "max_quarantined_share", "warehouse_conn_id", "aws_conn_id")
    ui_color = "#d9ead3"

    def __init__(
        self,
        *,
        bucket: str,
        prefix: str,
        jsonpaths_key: str = "log_json_path.json",
        max_quarantined_share: float | str = 0.05,
        warehouse_conn_id: str = "sparkify_warehouse",
        aws_conn_id: str = "aws_default",
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.bucket = bucket
        self.prefix = prefix
        self.jsonpaths_key = jsonpaths_key
        self.max_quarantined_share = max_quarantined_share
        self.warehouse_conn_id = warehouse_conn_id
        self.aws_conn_id = aws_conn_id

    def execute(self, context) -> int:
        from airflow.providers.amazon.aws.hooks.s3 import S3Hook

        from sparkify import warehouse
        from sparkify import xcom_keys
        from sparkify.s3_listing import list_etags, source_errors

        window = warehouse.HourWindow.from_context(context)
        backend = warehouse.for_connection(self.warehouse_conn_id, self.aws_conn_id)
        s3 = S3Hook(aws_conn_id=self.aws_conn_id)
        source = f"s3://{self.bucket}/{self.prefix}"
        reconcile = warehouse.Reconcile(source=source, max_quarantined_share=float(self.max_quarantined_share))
        with source_errors(self.bucket, self.aws_conn_id):
            keys = sorted(list_etags(s3, self.bucket, self.prefix, suffix=".json"))
            result = backend.stage_events(s3, self.bucket, keys, self.jsonpaths_key, window, reconcile)
        self.log.info(
            "%s*: %d objects, %d records; %d staged for [%s, %s), %d quarantined, %d left to other hours of the day",
            source,
            result.objects,
            result.records,
            result.rows,
            window.start,
            window.end,
            result.quarantined,
            result.other_hours,
        )
        context["ti"].xcom_push(key=xcom_keys.STAGE_TALLY, value={"read": result.records, "quarantined": result.quarantined})
        if result.quarantined:
            self.log.warning(
                "%d records quarantined (table quarantine has each with its reason); the worst object's first: %s", result.quarantined, result.worst
            )
        if result.new_fields:
            self.log.warning(
                "Fields the staging table has no column for (kept in the source objects only): %s", result.new_fields
            )
        return result.rows
