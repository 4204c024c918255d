from __future__ import annotations

from airflow.sdk import BaseOperator


class CreateTablesOperator(BaseOperator):
    """Creates the staging and star-schema tables that do not exist yet.

    :param warehouse_conn_id: the warehouse connection (templated)
    """

    template_fields = ("warehouse_conn_id",)
    ui_color = "#e8f0f8"

    def __init__(self, *, warehouse_conn_id: str = "sparkify_warehouse", **kwargs) -> None:
        super().__init__(**kwargs)
        self.warehouse_conn_id = warehouse_conn_id

    def execute(self, context) -> None:
        from sparkify import warehouse

        warehouse.for_connection(self.warehouse_conn_id).create_tables()
