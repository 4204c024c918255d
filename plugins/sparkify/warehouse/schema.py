"""The allow-list of warehouse identifiers: every table or column name that reaches
SQL text comes from here (values always travel as bind parameters)."""

from __future__ import annotations

# The contract of DESIGN.md §1 (analysts' names), then our bookkeeping columns.
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "songplays": (
        "songplay_id",
        "start_time",
        "user_id",
        "level",
        "song_id",
        "artist_id",
        "session_id",
        "location",
        "user_agent",
    ),
    "users": ("user_id", "first_name", "last_name", "gender", "level", "last_event_at"),
    "songs": ("song_id", "title", "artist_id", "year", "duration"),
    "artists": ("artist_id", "name", "location", "latitude", "longitude"),
    "time": ("start_time", "hour", "day", "week", "month", "year", "weekday"),
    "staging_events": (
        "artist",
        "auth",
        "first_name",
        "gender",
        "item_in_session",
        "last_name",
        "length",
        "level",
        "location",
        "method",
        "page",
        "registration",
        "session_id",
        "song",
        "status",
        "ts",
        "user_agent",
        "user_id",
        "batch_hour",
        "source_key",
        "source_line",
    ),
    "staging_songs": (
        "song_id",
        "num_songs",
        "title",
        "artist_id",
        "artist_name",
        "artist_location",
        "artist_latitude",
        "artist_longitude",
        "duration",
        "year",
        "batch_hour",
    ),
    "staging_song_objects": ("source_key", "source_etag", "batch_hour"),
    "quarantine": ("batch_hour", "stage", "source_key", "source_line", "raw_line", "reason"),
    "stage_reconciliation": (
        "batch_hour",
        "stage",
        "source",
        "objects_read",
        "records_read",
        "staged",
        "quarantined",
        "other_hours",
        "quarantined_share",
        "max_quarantined_share",
        "worst_source_key",
        "worst_source_line",
        "worst_reason",
        "new_fields",
    ),
    "daily_plays_by_level": ("day", "level", "plays", "listeners"),
    "run_steps": (
        "run_id",
        "batch_hour",
        "step",
        "outcome",
        "rows_affected",
        "severity",
        "seconds",
        "data_docs_url",
        "recorded_at",
    ),
    "validation_results": (
        "run_id",
        "batch_hour",
        "checkpoint",
        "suite",
        "expectation_id",
        "expectation_type",
        "column_name",
        "description",
        "severity",
        "success",
        "observed_value",
        "unexpected_count",
        "min_value",
        "max_value",
        "data_docs_url",
        "validated_at",
    ),
    "alert_state": ("suite", "expectation_id", "first_failed_hour", "last_failed_hour", "notified_hour"),
}

STAR_TABLES = ("songplays", "users", "songs", "artists", "time")

# Write-audit-publish: each star table's rows for one run's hour are built into its
# audit table, validated there, and only then published.
AUDIT_TABLES: dict[str, str] = {star: f"audit_{star}" for star in STAR_TABLES}
TABLE_COLUMNS.update({audit: (*TABLE_COLUMNS[star], "batch_hour") for star, audit in AUDIT_TABLES.items()})

PRIMARY_KEYS: dict[str, tuple[str, ...]] = {
    "songplays": ("songplay_id",),
    "users": ("user_id",),
    "songs": ("song_id",),
    "artists": ("artist_id",),
    "time": ("start_time",),
}


class UnknownIdentifierError(ValueError):
    """A table or column name that is not part of the warehouse schema."""


def table(name: str) -> str:
    """Returns ``name`` when it is a warehouse table, else raises."""
    if name not in TABLE_COLUMNS:
        raise UnknownIdentifierError(f"{name!r} is not a warehouse table; known tables: {', '.join(TABLE_COLUMNS)}")
    return name


def column(table_name: str, name: str) -> str:
    """Returns ``name`` when it is a column of ``table_name``, else raises."""
    if name not in TABLE_COLUMNS[table(table_name)]:
        raise UnknownIdentifierError(f"{name!r} is not a column of {table_name}")
    return name
