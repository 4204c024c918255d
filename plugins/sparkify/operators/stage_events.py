from __future__ import annotations

from airflow.sdk import BaseOperator


class StageEventsOperator(BaseOperator):
    """Stages the events of the run's hour from that day's log object.

    Rerunning an hour replaces its staging rows and nothing else. An hour whose day
    object does not exist stages zero rows and succeeds.

    :param bucket: S3 bucket of the logs (templated)
    :param key: the day's object key (templated)
    :param jsonpaths_key: key of the JSONPaths file Redshift's COPY uses (templated)
    :param warehouse_conn_id: the warehouse connection (templated)
    :param aws_conn_id: the AWS connection (templated)
    """

    template_fields = ("bucket", "key", "jsonpaths_key", "warehouse_conn_id", "aws_conn_id")
    ui_color = "#d9ead3"

    def __init__(
        self,
        *,
        bucket: str,
        key: str,
        jsonpaths_key: str = "log_json_path.json",
        warehouse_conn_id: str = "sparkify_warehouse",
        aws_conn_id: str = "aws_default",
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.bucket = bucket
        self.key = key
        self.jsonpaths_key = jsonpaths_key
        self.warehouse_conn_id = warehouse_conn_id
        self.aws_conn_id = aws_conn_id

    def execute(self, context) -> int:
        from airflow.providers.amazon.aws.hooks.s3 import S3Hook

        from sparkify import warehouse

        window = warehouse.HourWindow.from_context(context)
        backend = warehouse.for_connection(self.warehouse_conn_id, self.aws_conn_id)
        result = backend.stage_events(S3Hook(aws_conn_id=self.aws_conn_id), self.bucket, self.key, self.jsonpaths_key, window)
        self.log.info(
            "Staged %d events of [%s, %s) from s3://%s/%s", result.rows, window.start, window.end, self.bucket, self.key
        )
        return result.rows
