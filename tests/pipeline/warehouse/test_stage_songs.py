"""Staging the song catalogue: only new or changed objects are read."""

from __future__ import annotations

import time

import pytest
from helpers import clean, context_for, put_songs, rows, song, utc

from sparkify.operators import StageSongsOperator
from sparkify_lab import dataset
from sparkify_lab.stack import BUCKET, SONG_QUEUE

pytestmark = pytest.mark.integration

H = utc("2018-11-15T10:00")


def stage(queue_name: str = SONG_QUEUE) -> int:
    return StageSongsOperator(task_id="stage_songs", bucket=BUCKET, queue_name=queue_name).execute(context_for(H))


def queued_messages(stack) -> int:
    sqs = dataset.aws_client(stack, "sqs")
    url = sqs.get_queue_url(QueueName=SONG_QUEUE)["QueueUrl"]
    attributes = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


@pytest.fixture
def catalogue(stack):
    clean(stack)
    put_songs(stack, [song(f"SO{n:03d}") for n in range(40)])
    return stack


def test_first_staging_reads_the_whole_catalogue(catalogue):
    assert stage() == 40
    assert rows(catalogue, "select count(*), count(distinct song_id) from staging_songs") == [(40, 40)]
    assert queued_messages(catalogue) == 0


def test_an_object_gone_before_its_read_fails_the_step_naming_it(catalogue, monkeypatch):
    from botocore.exceptions import ClientError

    from sparkify import s3_listing

    listed = s3_listing.list_etags
    gone = "song_data/A/B/C/TRSOGONE.json"
    monkeypatch.setattr(s3_listing, "list_etags", lambda *args, **kwargs: {**listed(*args, **kwargs), gone: "0" * 32})

    with pytest.raises(ClientError) as failure:
        stage(queue_name="")

    assert failure.value.response["Error"]["Code"] == "NoSuchKey"
    assert f"reading s3://{BUCKET}/{gone}" in failure.value.__notes__
    assert rows(catalogue, "select count(*) from staging_songs") == [(0,)]


def test_an_hour_with_no_new_objects_stages_nothing(catalogue):
    stage()

    assert stage() == 0
    assert rows(catalogue, "select count(*) from staging_songs") == [(40,)]


def test_new_objects_are_found_through_the_queue_without_listing(catalogue):
    stage()
    put_songs(catalogue, [song("SONEW1"), song("SONEW2")])
    # An object the queue was never told about is invisible to a queue-driven run:
    # proof that the run did not list the catalogue.
    dataset.aws_client(catalogue, "s3").put_bucket_notification_configuration(
        Bucket=BUCKET, NotificationConfiguration={}
    )
    put_songs(catalogue, [song("SOSILENT")])

    assert stage() == 2
    assert rows(catalogue, "select song_id from staging_songs where song_id like 'SONEW%%' order by 1") == [
        ("SONEW1",),
        ("SONEW2",),
    ]
    assert queued_messages(catalogue) == 0


def test_without_a_queue_new_objects_are_found_by_listing(catalogue):
    stage(queue_name="")
    put_songs(catalogue, [song("SONEW1")])

    assert stage(queue_name="") == 1


def test_a_changed_object_is_staged_again_and_replaces_its_song(catalogue):
    stage()
    put_songs(catalogue, [song("SO007", title="Remastered")])

    assert stage() == 1
    assert rows(catalogue, "select title from staging_songs where song_id = 'SO007'") == [("Remastered",)]
    assert rows(catalogue, "select count(*) from staging_songs") == [(40,)]


def test_a_failed_staging_leaves_the_notifications_for_the_next_run(catalogue, monkeypatch):
    from sparkify.warehouse.postgres import PostgresWarehouse

    stage()
    put_songs(catalogue, [song("SOLATE")])
    sqs = dataset.aws_client(catalogue, "sqs")
    url = sqs.get_queue_url(QueueName=SONG_QUEUE)["QueueUrl"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "1"})

    def broken(*args, **kwargs):
        raise ConnectionError("warehouse went away")

    try:
        with monkeypatch.context() as patched:
            patched.setattr(PostgresWarehouse, "stage_songs", broken)
            with pytest.raises(ConnectionError):
                stage()
        time.sleep(1.5)  # the received message becomes visible again

        assert stage() == 1
    finally:
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "30"})
    assert rows(catalogue, "select count(*) from staging_songs where song_id = 'SOLATE'") == [(1,)]


def test_the_daily_listing_hour_finds_objects_whose_notification_never_came(catalogue):
    stage()
    dataset.aws_client(catalogue, "s3").put_bucket_notification_configuration(
        Bucket=BUCKET, NotificationConfiguration={}
    )
    put_songs(catalogue, [song("SOSILENT")])
    assert stage() == 0

    midnight = StageSongsOperator(task_id="stage_songs", bucket=BUCKET, queue_name=SONG_QUEUE, listing_hour=0)

    assert midnight.execute(context_for(utc("2018-11-16T00:00"))) == 1
