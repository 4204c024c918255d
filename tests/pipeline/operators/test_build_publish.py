"""Build (into audit tables) and publish on the real local PostgreSQL: partitions,
latest-state users, idempotence, concurrency, and the guard against an empty publish."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from helpers import clean, context_for, event, event_lines, ms, put, put_songs, rows, snapshot, song, utc

from sparkify.operators import BuildAuditOperator, PublishOperator, StageEventsOperator
from sparkify.warehouse.base import HourNotBuiltError
from sparkify.warehouse.schema import STAR_TABLES
from sparkify_lab.in_process import outlet_events
from sparkify_lab.stack import BUCKET

pytestmark = pytest.mark.integration

H10, H11 = utc("2018-11-15T10:00"), utc("2018-11-15T11:00")
DAY_KEY = "log_data/2018/11/2018-11-15-events.json"


LEVEL_CHANGE_EVENTS = event_lines(
    [
        event(ms(H10, 5), "7", level="free", itemInSession=0),
        event(ms(H10, 9), "8", level="paid", firstName="Bo", sessionId=2),
        event(ms(H10, 20), "7", level="free", itemInSession=1),
        event(ms(H11, 1), "7", page="Submit Upgrade", level="free", itemInSession=2),
        event(ms(H11, 2), "7", level="paid", itemInSession=3),
    ]
)


def build(hour):
    BuildAuditOperator(task_id="build_audit").execute(context_for(hour))


def publish(hour):
    return PublishOperator(task_id="publish").execute({**context_for(hour), "outlet_events": outlet_events()})


def build_and_publish(hour):
    build(hour)
    return publish(hour)


def stage(hour):
    StageEventsOperator(task_id="stage_events", bucket=BUCKET, prefix=DAY_KEY.removesuffix(".json")).execute(context_for(hour))


@pytest.fixture
def level_change(stack):
    """User 7 is free at 10:xx, then paid at 11:xx; user 8 only appears at 10:xx."""
    clean(stack)
    put(stack, DAY_KEY, LEVEL_CHANGE_EVENTS)
    stage(H10)
    stage(H11)


def test_build_writes_the_hour_to_audit_tables_only(stack, level_change):
    build(H10)

    assert {t: rows(stack, f"select count(*) from {t}")[0][0] for t in STAR_TABLES} == dict.fromkeys(STAR_TABLES, 0)
    assert rows(stack, "select user_id, level, batch_hour from audit_users order by user_id") == [
        ("7", "free", H10.replace(tzinfo=None)),
        ("8", "paid", H10.replace(tzinfo=None)),
    ]
    assert rows(stack, "select count(*) from audit_songplays") == [(3,)]


def test_rebuilding_an_hour_replaces_its_audit_rows(stack, level_change):
    build(H10)
    build(H10)

    assert rows(stack, "select count(*) from audit_songplays") == [(3,)]
    assert rows(stack, "select count(*) from audit_time") == [(3,)]


def test_publish_moves_the_hour_and_clears_its_audit_rows(stack, level_change):
    build(H10)
    build(H11)

    published = publish(H10)

    assert published == {"songplays": 3, "users": 2, "songs": 0, "artists": 0, "time": 3}
    assert rows(stack, "select count(*) from songplays") == [(3,)]
    assert rows(stack, "select count(*) from audit_songplays where batch_hour = %s", (H10,)) == [(0,)]
    # The other hour's audit rows are its own run's business.
    assert rows(stack, "select count(*) from audit_songplays where batch_hour = %s", (H11,)) == [(1,)]


def test_users_keep_the_latest_state_by_event_time(stack, level_change):
    build_and_publish(H10)
    build_and_publish(H11)

    assert rows(stack, "select user_id, level from users order by user_id") == [("7", "paid"), ("8", "paid")]


def test_publishing_an_earlier_hour_later_never_rolls_a_user_back(stack, level_change):
    build_and_publish(H11)
    build_and_publish(H10)

    assert rows(stack, "select user_id, level from users order by user_id") == [("7", "paid"), ("8", "paid")]


def test_republishing_hours_in_any_order_leaves_identical_tables(stack, level_change):
    build_and_publish(H10)
    build_and_publish(H11)
    once = {t: snapshot(stack, t) for t in STAR_TABLES}

    build_and_publish(H11)
    build_and_publish(H10)
    build_and_publish(H10)

    assert {t: snapshot(stack, t) for t in STAR_TABLES} == once


def test_the_fact_hour_is_replaced_and_ids_are_deterministic(stack, level_change):
    build_and_publish(H10)
    build_and_publish(H11)
    first = snapshot(stack, "songplays")

    build_and_publish(H10)

    assert snapshot(stack, "songplays") == first
    assert rows(stack, "select count(*), count(distinct songplay_id) from songplays") == [(4, 4)]


def test_publish_emits_an_event_per_published_table_with_its_hour_and_rows(stack, level_change):
    build(H10)
    events = outlet_events()

    PublishOperator(task_id="publish").execute({**context_for(H10), "outlet_events": events})

    assert {asset.name: event.extra for asset, event in events.items()} == {
        f"sparkify.{table}": {"hour": H10.isoformat(), "rows_published": rows, "data_docs": {}}
        for table, rows in {"songplays": 3, "users": 2, "songs": 0, "artists": 0, "time": 3}.items()
    }


def test_publish_refuses_an_hour_that_was_not_built_again(stack, level_change):
    build_and_publish(H10)
    published = snapshot(stack, "songplays")

    with pytest.raises(HourNotBuiltError, match="audit_songplays holds no rows"):
        publish(H10)

    assert snapshot(stack, "songplays") == published


def test_a_rerun_whose_log_object_vanished_leaves_the_published_hour_alone(stack, level_change):
    from sparkify_lab import dataset

    build_and_publish(H10)
    published = {t: snapshot(stack, t) for t in STAR_TABLES}
    dataset.aws_client(stack, "s3").delete_object(Bucket=BUCKET, Key=DAY_KEY)
    stage(H10)
    build(H10)

    with pytest.raises(HourNotBuiltError, match="staged no plays but 3 are published"):
        publish(H10)

    assert {t: snapshot(stack, t) for t in STAR_TABLES} == published


def test_concurrent_publishes_of_different_hours_equal_publishing_one_after_another(stack, level_change):
    build_and_publish(H10)
    build_and_publish(H11)
    sequential = {t: snapshot(stack, t) for t in STAR_TABLES}
    clean(stack)
    put(stack, DAY_KEY, LEVEL_CHANGE_EVENTS)
    stage(H10)
    stage(H11)
    build(H10)
    build(H11)

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(publish, [H11, H10]))

    assert {t: snapshot(stack, t) for t in STAR_TABLES} == sequential


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


def test_plays_of_a_song_staged_by_an_unpublished_hour_publish_that_song_with_them(stack):
    from sparkify.operators import StageSongsOperator

    clean(stack)
    put_songs(stack, [song("SOAAA", title="Yellow", artist_name="Coldplay", duration=266.0)])
    put(stack, DAY_KEY, event_lines([event(ms(H11, 1), song="Yellow", artist="Coldplay", length=266.0)]))
    # H10 stages the song and is still in flight (or blocked): nothing of it is published.
    StageSongsOperator(task_id="stage_songs", bucket=BUCKET, prefix="song_data/").execute(context_for(H10))
    stage(H11)

    build_and_publish(H11)

    assert rows(stack, "select song_id, artist_id from songplays") == [("SOAAA", "ARAAA")]
    assert rows(stack, "select song_id from songs") == [("SOAAA",)]
    assert rows(stack, "select artist_id, name from artists") == [("ARAAA", "Coldplay")]
    once = {t: snapshot(stack, t) for t in STAR_TABLES}
    build_and_publish(H10)
    assert {t: snapshot(stack, t) for t in STAR_TABLES} == once


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
