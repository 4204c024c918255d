"""Sparkify's operators: thin wrappers that call a warehouse backend and SQL files."""

from sparkify.operators.build_audit import BuildAuditOperator
from sparkify.operators.create_tables import CreateTablesOperator
from sparkify.operators.publish import PublishOperator
from sparkify.operators.refresh_daily_plays import RefreshDailyPlaysOperator
from sparkify.operators.stage_events import StageEventsOperator
from sparkify.operators.stage_songs import StageSongsOperator
from sparkify.operators.validate_checkpoint import ValidateCheckpointOperator

__all__ = [
    "BuildAuditOperator",
    "CreateTablesOperator",
    "PublishOperator",
    "RefreshDailyPlaysOperator",
    "StageEventsOperator",
    "StageSongsOperator",
    "ValidateCheckpointOperator",
]
