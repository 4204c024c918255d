from __future__ import annotations

from airflow.sdk import BaseOperator


class RefreshDailyPlaysOperator(BaseOperator):
    """Recomputes ``daily_plays_by_level`` for the days of the validated hours that
    triggered the run (the ``hour`` extra of each ``sparkify.songplays`` asset event).

    :param warehouse_conn_id: the warehouse connection (templated)
    """

    template_fields = ("warehouse_conn_id",)
    ui_color = "#cfe2f3"

    def __init__(self, *, warehouse_conn_id: str = "sparkify_warehouse", **kwargs) -> None:
        super().__init__(**kwargs)
        self.warehouse_conn_id = warehouse_conn_id

    def execute(self, context) -> list[str]:
        from datetime import datetime, time, timedelta

        from sparkify import warehouse
        from sparkify.assets import published_table

        events = context["triggering_asset_events"][published_table("songplays")]
        days = sorted({datetime.fromisoformat(event.extra["hour"]).date() for event in events})
        backend = warehouse.for_connection(self.warehouse_conn_id)
        for day in days:
            start = datetime.combine(day, time())
            rows = backend.run_script(
                "downstream/refresh_daily_plays_by_level.sql",
                {"day": day, "day_start": start, "day_end": start + timedelta(days=1)},
            )["daily_plays_by_level"]
            self.log.info("daily_plays_by_level for %s: %d levels", day, rows)
        return [day.isoformat() for day in days]
