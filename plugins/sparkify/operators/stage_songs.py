from __future__ import annotations

from airflow.sdk import BaseOperator


class StageSongsOperator(BaseOperator):
    """Stages the song objects that are new or changed since they were last staged.

    The catalogue is listed (keys and ETags, no object reads) and compared with the
    objects already recorded in ``staging_song_objects``; only the difference is read,
    so an hour with no new songs costs one listing.

    :param bucket: S3 bucket of the song objects (templated)
    :param prefix: key prefix of the song objects (templated)
    :param warehouse_conn_id: the warehouse connection (templated)
    :param aws_conn_id: the AWS connection (templated)
    """

    template_fields = ("bucket", "prefix", "warehouse_conn_id", "aws_conn_id")
    ui_color = "#d9ead3"

    def __init__(
        self,
        *,
        bucket: str,
        prefix: str = "song_data/",
        warehouse_conn_id: str = "sparkify_warehouse",
        aws_conn_id: str = "aws_default",
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.bucket = bucket
        self.prefix = prefix
        self.warehouse_conn_id = warehouse_conn_id
        self.aws_conn_id = aws_conn_id

    def execute(self, context) -> int:
        from airflow.providers.amazon.aws.hooks.s3 import S3Hook

        from sparkify import warehouse
        from sparkify.s3_listing import list_etags

        s3 = S3Hook(aws_conn_id=self.aws_conn_id)
        backend = warehouse.for_connection(self.warehouse_conn_id, self.aws_conn_id)
        listed = list_etags(s3, self.bucket, self.prefix, suffix=".json")
        loaded = backend.loaded_song_objects()
        pending = {key: etag for key, etag in listed.items() if loaded.get(key) != etag}
        result = backend.stage_songs(s3, self.bucket, pending, warehouse.HourWindow.from_context(context))
        self.log.info(
            "Song objects under s3://%s/%s: %d listed, %d already staged, %d staged now (%d rows)",
            self.bucket,
            self.prefix,
            len(listed),
            len(listed) - len(pending),
            result.objects,
            result.rows,
        )
        return result.objects
