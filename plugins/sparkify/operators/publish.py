from __future__ import annotations

from collections.abc import Sequence

from airflow.sdk import BaseOperator


class PublishOperator(BaseOperator):
    """Publishes the run's audited hour to the star tables in one transaction
    (``sql/publish/publish_hour.sql``): replaces the hour's songplays and time rows,
    merges users (latest state by event time), songs and artists, then clears the
    hour's audit rows. Publishes of different hours take turns on a table lock.

    Emits an event on each table's asset (:mod:`sparkify.assets`) carrying the hour,
    the rows published and the Data Docs page of each suite the run validated.

    :param gate_task_ids: the quality gate tasks whose Data Docs pages the events carry
    :param warehouse_conn_id: the warehouse connection (templated)
    """

    template_fields = ("warehouse_conn_id",)
    ui_color = "#b6d7a8"

    def __init__(
        self, *, gate_task_ids: Sequence[str] = (), warehouse_conn_id: str = "sparkify_warehouse", **kwargs
    ) -> None:
        from sparkify.assets import published_table
        from sparkify.warehouse.schema import STAR_TABLES

        kwargs.setdefault("outlets", [published_table(table) for table in STAR_TABLES])
        super().__init__(**kwargs)
        self.gate_task_ids = list(gate_task_ids)
        self.warehouse_conn_id = warehouse_conn_id

    def execute(self, context) -> dict[str, int]:
        from sparkify import warehouse
        from sparkify.assets import published_table
        from sparkify import xcom_keys

        window = warehouse.HourWindow.from_context(context)
        # Everything that can fail goes before the commit: a retry after it would find
        # the audit rows gone.
        pages = context["ti"].xcom_pull(task_ids=self.gate_task_ids, key=xcom_keys.DATA_DOCS_PAGES) if self.gate_task_ids else []
        data_docs = {suite: url for gate_pages in pages or [] for suite, url in (gate_pages or {}).items()}
        published = warehouse.for_connection(self.warehouse_conn_id).publish(window)
        self.log.info(
            "Published [%s, %s): %s", window.start, window.end, ", ".join(f"{n} {t}" for t, n in published.items())
        )
        for table, rows in published.items():
            context["outlet_events"][published_table(table)].extra = {
                "hour": window.start.isoformat(),
                "rows_published": rows,
                "data_docs": data_docs,
            }
        return published
