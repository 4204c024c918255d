"""No SQL assembled from input: table and column names pass an allow-list before any
SQL is rendered, and values (keys, prefixes, sources) reach the database as bound
parameters. Hostile names are refused and the warehouse is untouched."""

from __future__ import annotations

import pytest
from airflow.sdk.exceptions import AirflowFailException
from helpers import TEST_HOUR, context_for, rows

from sparkify import warehouse
from sparkify.operators import StageEventsOperator, ValidateCheckpointOperator
from sparkify.warehouse import schema
from sparkify_lab.stack import BUCKET

HOSTILE = "events; DROP TABLE users"


def users_table_exists(stack) -> bool:
    return rows(stack, "select to_regclass('public.users') is not null") == [(True,)]


def test_the_allow_list_refuses_hostile_table_and_column_names():
    with pytest.raises(schema.UnknownIdentifierError, match="is not a warehouse table"):
        schema.table(HOSTILE)
    with pytest.raises(schema.UnknownIdentifierError):
        schema.column("users", "level; DROP TABLE users")


@pytest.mark.integration
def test_the_warehouse_refuses_a_hostile_table_before_any_sql(fresh):
    backend = warehouse.for_connection("sparkify_warehouse")
    window = warehouse.HourWindow(TEST_HOUR, TEST_HOUR.replace(hour=TEST_HOUR.hour + 1))

    with pytest.raises(schema.UnknownIdentifierError):
        backend.build(HOSTILE, window)
    with pytest.raises(schema.UnknownIdentifierError):
        backend.hour_has_rows(HOSTILE, window)

    assert users_table_exists(fresh)


@pytest.mark.integration
def test_a_gate_naming_a_checkpoint_outside_gx_is_refused(fresh):
    # A gate's tables come from the committed checkpoints only, and each passes the allow-list.
    gate = ValidateCheckpointOperator(task_id="gate", checkpoint_names=[HOSTILE])

    with pytest.raises(AirflowFailException, match=r"^no checkpoint 'events; DROP TABLE users' is committed in gx/checkpoints/ "):
        gate.execute(context_for(TEST_HOUR))

    assert users_table_exists(fresh)


@pytest.mark.integration
def test_a_hostile_prefix_is_a_value_bound_as_such(fresh):
    prefix = "log_data/x'); DROP TABLE users; --"

    staged = StageEventsOperator(task_id="stage_events", bucket=BUCKET, prefix=prefix).execute(context_for(TEST_HOUR))

    assert staged == 0
    assert users_table_exists(fresh)
    assert rows(fresh, "select source from stage_reconciliation") == [(f"s3://{BUCKET}/{prefix}",)]
