"""Fact and dimension loads on the real local PostgreSQL: modes, idempotence, partitions."""

from __future__ import annotations

import pytest
from helpers import clean, context_for, event, event_lines, ms, put, put_songs, rows, snapshot, song, utc

from sparkify.operators import LoadDimensionOperator, LoadFactOperator, StageEventsOperator
from sparkify.local.stack import BUCKET
from sparkify.warehouse.schema import STAR_TABLES, UnknownIdentifierError

pytestmark = pytest.mark.integration

H10, H11 = utc("2018-11-15T10:00"), utc("2018-11-15T11:00")
DAY_KEY = "log_data/2018/11/2018-11-15-events.json"


def users_load(mode: str, **kwargs) -> LoadDimensionOperator:
    return LoadDimensionOperator(task_id="load_users", table="users", select_sql="load/users.sql", mode=mode, **kwargs)


def stage(hour):
    StageEventsOperator(task_id="stage_events", bucket=BUCKET, key=DAY_KEY).execute(context_for(hour))


@pytest.fixture
def level_change(stack):
    """User 7 is free at 10:xx, then paid at 11:xx; user 8 only appears at 10:xx."""
    clean(stack)
    put(
        stack,
        DAY_KEY,
        event_lines(
            [
                event(ms(H10, 5), "7", level="free", itemInSession=0),
                event(ms(H10, 9), "8", level="paid", firstName="Bo", sessionId=2),
                event(ms(H10, 20), "7", level="free", itemInSession=1),
                event(ms(H11, 1), "7", page="Submit Upgrade", level="free", itemInSession=2),
                event(ms(H11, 2), "7", level="paid", itemInSession=3),
            ]
        ),
    )
    stage(H10)
    stage(H11)


def test_upsert_keeps_one_row_per_key_with_the_latest_values(stack, level_change):
    users_load("upsert", key_columns=("user_id",), order_column="last_event_at").execute(context_for(H10))
    users_load("upsert", key_columns=("user_id",), order_column="last_event_at").execute(context_for(H11))

    assert rows(stack, "select user_id, level from users order by user_id") == [("7", "paid"), ("8", "paid")]


def test_upsert_never_rolls_a_user_back_when_an_earlier_hour_is_loaded_later(stack, level_change):
    load = users_load("upsert", key_columns=("user_id",), order_column="last_event_at")
    load.execute(context_for(H11))
    load.execute(context_for(H10))

    assert rows(stack, "select user_id, level from users order by user_id") == [("7", "paid"), ("8", "paid")]


def test_upsert_rerun_leaves_an_identical_table(stack, level_change):
    load = users_load("upsert", key_columns=("user_id",), order_column="last_event_at")
    load.execute(context_for(H10))
    load.execute(context_for(H11))
    first = snapshot(stack, "users")

    load.execute(context_for(H11))
    load.execute(context_for(H10))

    assert snapshot(stack, "users") == first


def test_truncate_insert_replaces_the_whole_table(stack, level_change):
    load = users_load("truncate-insert")
    load.execute(context_for(H10))
    load.execute(context_for(H11))

    assert rows(stack, "select user_id, level from users") == [("7", "paid")]


def test_append_adds_only_new_keys(stack, level_change):
    load = LoadDimensionOperator(
        task_id="load_time", table="time", select_sql="load/time.sql", mode="append", key_columns=("start_time",)
    )
    assert load.execute(context_for(H10)) == 3
    assert load.execute(context_for(H10)) == 0
    assert rows(stack, "select count(*) from time") == [(3,)]


def test_fact_load_replaces_only_its_hour_and_ids_are_deterministic(stack, level_change):
    load = LoadFactOperator(
        task_id="load_songplays", table="songplays", select_sql="load/songplays.sql", partition_column="start_time"
    )
    load.execute(context_for(H10))
    load.execute(context_for(H11))
    first = snapshot(stack, "songplays")

    assert load.execute(context_for(H10)) == 3
    assert snapshot(stack, "songplays") == first
    assert rows(stack, "select count(*), count(distinct songplay_id) from songplays") == [(4, 4)]


def test_a_play_gets_the_song_whose_title_artist_and_duration_match(stack):
    from helpers import run_hour_in_process

    clean(stack)
    put_songs(
        stack,
        [
            song("SOAAA", title="Yellow", artist_name="Coldplay", duration=266.0),
            song("SOBBB", title="Yellow", artist_name="Coldplay", duration=270.0),
        ],
    )
    put(
        stack,
        DAY_KEY,
        event_lines(
            [
                event(ms(H10, 1), song="Yellow", artist="Coldplay", length=266.0, itemInSession=0),
                event(ms(H10, 6), song="Yellow", artist="Coldplay", length=999.0, itemInSession=1),
            ]
        ),
    )

    run_hour_in_process(H10)

    assert rows(stack, "select song_id, artist_id from songplays order by start_time") == [("SOAAA", "ARAAA"), (None, None)]


def test_load_refuses_a_table_outside_the_allow_list(stack):
    load = LoadDimensionOperator(
        task_id="evil", table="users; drop table songplays", select_sql="load/users.sql", mode="truncate-insert"
    )
    with pytest.raises(UnknownIdentifierError):
        load.execute(context_for(H10))


def test_load_refuses_a_key_column_outside_the_allow_list(stack):
    load = users_load("upsert", key_columns=("user_id = user_id or 1=1 --",))
    with pytest.raises(UnknownIdentifierError):
        load.execute(context_for(H10))


def test_the_hour_after_a_rerun_sees_the_same_warehouse_as_a_single_run(stack, level_change):
    from helpers import run_hour_in_process

    run_hour_in_process(H10)
    run_hour_in_process(H11)
    once = {t: snapshot(stack, t) for t in STAR_TABLES}

    run_hour_in_process(H10)
    run_hour_in_process(H11)
    run_hour_in_process(H10)

    assert {t: snapshot(stack, t) for t in STAR_TABLES} == once


def test_a_rerun_over_corrected_data_leaves_no_stale_time_row(stack, level_change):
    from helpers import run_hour_in_process

    run_hour_in_process(H10)
    put(stack, DAY_KEY, event_lines([event(ms(H10, 5), "7")]))

    run_hour_in_process(H10)

    assert rows(stack, "select count(*) from time") == [(1,)]
    assert rows(stack, "select count(*) from songplays") == [(1,)]
