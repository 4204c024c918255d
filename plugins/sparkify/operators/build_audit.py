from __future__ import annotations

from airflow.sdk import BaseOperator


class BuildAuditOperator(BaseOperator):
    """Builds the run's hour of the star tables into their audit tables
    (``audit_<table>``), each with ``sql/build/<table>.sql`` in one transaction, in the
    order of ``sparkify.warehouse.schema.STAR_TABLES``: songplays first, since songs and
    artists add those the hour's plays matched but nobody published yet.

    Analysts never see audit tables: the rows reach the star tables only through the
    publish task, after the warehouse gate has passed them. Rerunning replaces the
    hour's audit rows.

    :param warehouse_conn_id: the warehouse connection (templated)
    """

    template_fields = ("warehouse_conn_id",)
    ui_color = "#fce5cd"

    def __init__(self, *, warehouse_conn_id: str = "sparkify_warehouse", **kwargs) -> None:
        super().__init__(**kwargs)
        self.warehouse_conn_id = warehouse_conn_id

    def execute(self, context) -> dict[str, int]:
        from sparkify import warehouse
        from sparkify.warehouse.schema import STAR_TABLES

        window = warehouse.HourWindow.from_context(context)
        backend = warehouse.for_connection(self.warehouse_conn_id)
        built = {table: backend.build(table, window) for table in STAR_TABLES}
        self.log.info("Built [%s, %s) into the audit tables: %s", window.start, window.end, ", ".join(f"{n} {t}" for t, n in built.items()))
        return built
