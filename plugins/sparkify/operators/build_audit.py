from __future__ import annotations

from airflow.sdk import BaseOperator


class BuildAuditOperator(BaseOperator):
    """Builds the run's hour of one star table into its audit table (``audit_<table>``)
    with ``sql/build/<table>.sql``, in one transaction.

    Analysts never see audit tables: the rows reach ``<table>`` only through the
    publish task, after the warehouse gate has passed them. Rerunning replaces the
    hour's audit rows.

    :param table: the star table, one of songplays, users, songs, artists, time
    :param warehouse_conn_id: the warehouse connection (templated)
    """

    template_fields = ("warehouse_conn_id",)
    ui_color = "#fce5cd"

    def __init__(self, *, table: str, warehouse_conn_id: str = "sparkify_warehouse", **kwargs) -> None:
        super().__init__(**kwargs)
        from sparkify.warehouse.schema import STAR_TABLES

        if table not in STAR_TABLES:
            raise ValueError(f"{table!r} is not a star table; one of {', '.join(STAR_TABLES)}")
        self.table = table
        self.warehouse_conn_id = warehouse_conn_id

    def execute(self, context) -> int:
        from sparkify import warehouse

        window = warehouse.HourWindow.from_context(context)
        rows = warehouse.for_connection(self.warehouse_conn_id).build(self.table, window)
        self.log.info("Built %d %s rows of [%s, %s) into audit_%s", rows, self.table, window.start, window.end, self.table)
        return rows
