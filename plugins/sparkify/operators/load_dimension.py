from __future__ import annotations

from airflow.sdk import BaseOperator

MODES = ("truncate-insert", "append", "upsert")


class LoadDimensionOperator(BaseOperator):
    """Loads a dimension table from a SELECT, in one transaction.

    Modes: ``truncate-insert`` replaces the whole table; ``append`` adds rows whose
    key is new; ``upsert`` keeps one row per key with the incoming values (with
    ``order_column``, only when the incoming row is at least as recent).

    :param table: target table, from the warehouse allow-list
    :param select_sql: a file under ``sql/`` whose SELECT yields the table's columns in order
    :param mode: one of ``truncate-insert``, ``append``, ``upsert``
    :param key_columns: the table's key (append and upsert)
    :param order_column: recency column for upsert
    :param warehouse_conn_id: the warehouse connection (templated)
    """

    template_fields = ("warehouse_conn_id",)
    ui_color = "#fff2cc"

    def __init__(
        self,
        *,
        table: str,
        select_sql: str,
        mode: str,
        key_columns: tuple[str, ...] = (),
        order_column: str | None = None,
        warehouse_conn_id: str = "sparkify_warehouse",
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}; got {mode!r}")
        self.table = table
        self.select_sql = select_sql
        self.mode = mode
        self.key_columns = tuple(key_columns)
        self.order_column = order_column
        self.warehouse_conn_id = warehouse_conn_id

    def execute(self, context) -> int:
        from sparkify import warehouse
        from sparkify.warehouse.base import render_load

        window = warehouse.HourWindow.from_context(context)
        script = render_load(
            self.mode,
            target=self.table,
            select_file=self.select_sql,
            key_columns=self.key_columns,
            order_column=self.order_column,
        )
        rows = warehouse.for_connection(self.warehouse_conn_id).load(script, window)
        self.log.info("%s: %d rows into %s for [%s, %s)", self.mode, rows, self.table, window.start, window.end)
        return rows
