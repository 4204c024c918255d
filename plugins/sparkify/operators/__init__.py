"""Sparkify's operators: thin wrappers that call a warehouse backend and SQL files."""

from sparkify.operators.create_tables import CreateTablesOperator
from sparkify.operators.load_dimension import LoadDimensionOperator
from sparkify.operators.load_fact import LoadFactOperator
from sparkify.operators.stage_events import StageEventsOperator
from sparkify.operators.stage_songs import StageSongsOperator
from sparkify.operators.validate_checkpoint import ValidateCheckpointOperator

__all__ = [
    "CreateTablesOperator",
    "LoadDimensionOperator",
    "LoadFactOperator",
    "StageEventsOperator",
    "StageSongsOperator",
    "ValidateCheckpointOperator",
]
