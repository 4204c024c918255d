from __future__ import annotations

from airflow.sdk import BaseOperator


class StageSongsOperator(BaseOperator):
    """Stages the song objects that are new or changed since they were last staged.

    With ``queue_name``, new objects come from the bucket's S3 event notifications in
    that SQS queue, so an hour with no new songs costs one queue request. The
    catalogue is listed instead (keys and ETags, no object reads) and compared with
    ``staging_song_objects`` when there is no queue, while nothing has been staged yet,
    and in the run of ``listing_hour`` each day: that daily reconciliation catches
    objects whose notification never came (S3 does not promise every one, and bulk
    loads may go in without them). Either way only the difference is read.

    :param bucket: S3 bucket of the song objects (templated)
    :param prefix: key prefix of the song objects (templated)
    :param queue_name: SQS queue with the bucket's ObjectCreated notifications; empty
        to list the catalogue every run (templated)
    :param listing_hour: UTC hour whose run lists the catalogue even with a queue
    :param max_quarantined_share: share of the objects read that may be quarantined
        (table ``quarantine``) before the reconciliation gate fails the hour (templated)
    :param warehouse_conn_id: the warehouse connection (templated)
    :param aws_conn_id: the AWS connection (templated)
    """

    template_fields = ("bucket", "prefix", "queue_name", "max_quarantined_share", "warehouse_conn_id", "aws_conn_id")
    ui_color = "#d9ead3"

    def __init__(
        self,
        *,
        bucket: str,
        prefix: str = "song_data/",
        queue_name: str = "",
        listing_hour: int = 0,
        max_quarantined_share: float | str = 0.05,
        warehouse_conn_id: str = "sparkify_warehouse",
        aws_conn_id: str = "aws_default",
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.bucket = bucket
        self.prefix = prefix
        self.queue_name = queue_name
        self.listing_hour = listing_hour
        self.max_quarantined_share = max_quarantined_share
        self.warehouse_conn_id = warehouse_conn_id
        self.aws_conn_id = aws_conn_id

    def execute(self, context) -> int:
        from airflow.providers.amazon.aws.hooks.s3 import S3Hook
        from airflow.providers.amazon.aws.hooks.sqs import SqsHook

        from sparkify import warehouse
        from sparkify import xcom_keys
        from sparkify.s3_listing import Notifications, ObjectCreatedQueue, list_etags, source_errors

        s3 = S3Hook(aws_conn_id=self.aws_conn_id)
        backend = warehouse.for_connection(self.warehouse_conn_id, self.aws_conn_id)
        window = warehouse.HourWindow.from_context(context)
        with source_errors(self.bucket, self.aws_conn_id):
            queue = ObjectCreatedQueue(SqsHook(aws_conn_id=self.aws_conn_id).get_conn(), self.queue_name) if self.queue_name else None
            anything_staged = backend.has_staged_song_objects()
            notified = queue.drain(self.bucket, self.prefix, suffix=".json") if queue is not None else Notifications()
            if queue is not None and anything_staged and window.start.hour != self.listing_hour:
                candidates, source = notified.objects, f"queue {self.queue_name}"
            else:
                # The listing sees every object, including those the drained notifications name.
                candidates, source = list_etags(s3, self.bucket, self.prefix, suffix=".json"), "listing"
            reconcile = warehouse.Reconcile(
                source=f"s3://{self.bucket}/{self.prefix}", max_quarantined_share=float(self.max_quarantined_share)
            )
            result = backend.stage_songs(s3, self.bucket, candidates, window, reconcile)
            if queue is not None:
                queue.acknowledge(notified.receipts)
        self.log.info(
            "Song objects under s3://%s/%s from the %s: %d found, %d already staged, %d staged now (%d rows)",
            self.bucket,
            self.prefix,
            source,
            len(candidates),
            len(candidates) - result.objects,
            result.objects,
            result.rows,
        )
        context["ti"].xcom_push(key=xcom_keys.STAGE_TALLY, value={"read": result.records, "quarantined": result.quarantined})
        if result.quarantined:
            self.log.warning("%d song objects quarantined (table quarantine, stage 'songs')", result.quarantined)
        return result.objects
