from __future__ import annotations

from airflow.sdk import BaseOperator


class PublishOperator(BaseOperator):
    """Publishes the run's audited hour to the star tables in one transaction
    (``sql/publish/publish_hour.sql``): replaces the hour's songplays and time rows,
    merges users (latest state by event time), songs and artists, then clears the
    hour's audit rows. Publishes of different hours take turns on a table lock.

    :param warehouse_conn_id: the warehouse connection (templated)
    """

    template_fields = ("warehouse_conn_id",)
    ui_color = "#b6d7a8"

    def __init__(self, *, warehouse_conn_id: str = "sparkify_warehouse", **kwargs) -> None:
        super().__init__(**kwargs)
        self.warehouse_conn_id = warehouse_conn_id

    def execute(self, context) -> dict[str, int]:
        from sparkify import warehouse

        window = warehouse.HourWindow.from_context(context)
        published = warehouse.for_connection(self.warehouse_conn_id).publish(window)
        self.log.info(
            "Published [%s, %s): %s", window.start, window.end, ", ".join(f"{n} {t}" for t, n in published.items())
        )
        return published
