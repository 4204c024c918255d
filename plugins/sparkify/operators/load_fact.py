from __future__ import annotations

from airflow.sdk import BaseOperator


class LoadFactOperator(BaseOperator):
    """Replaces the run's hour of a table partitioned by time (the fact, and the time
    rows of its plays) with the rows of a SELECT, in one transaction.

    :param table: target table, from the warehouse allow-list
    :param select_sql: a file under ``sql/`` whose SELECT yields the table's columns in order
    :param partition_column: the timestamp column the hour is cut on
    :param warehouse_conn_id: the warehouse connection (templated)
    """

    template_fields = ("warehouse_conn_id",)
    ui_color = "#fce5cd"

    def __init__(
        self,
        *,
        table: str,
        select_sql: str,
        partition_column: str,
        warehouse_conn_id: str = "sparkify_warehouse",
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.table = table
        self.select_sql = select_sql
        self.partition_column = partition_column
        self.warehouse_conn_id = warehouse_conn_id

    def execute(self, context) -> int:
        from sparkify import warehouse
        from sparkify.warehouse.base import render_load

        window = warehouse.HourWindow.from_context(context)
        script = render_load(
            "replace-partition", target=self.table, select_file=self.select_sql, partition_column=self.partition_column
        )
        rows = warehouse.for_connection(self.warehouse_conn_id).load(script, window)
        self.log.info("Loaded %d rows into %s for [%s, %s)", rows, self.table, window.start, window.end)
        return rows
