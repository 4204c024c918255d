"""Finding the song objects a run must stage: by listing the catalogue, or from the
bucket's S3 event notifications delivered to an SQS queue.

Listing costs a request per 1,000 keys (the whole catalogue, every hour); the queue
costs one request when nothing is new, so an hour's song work follows the new data.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import unquote_plus

if TYPE_CHECKING:
    from airflow.providers.amazon.aws.hooks.s3 import S3Hook

# Folders of a prefix listed at the same time, and how many levels deep to look for them.
LISTINGS_AT_ONCE = 8
FOLDER_LEVELS = 3
# SQS hands out at most 10 messages a call and deletes at most 10 a batch.
_SQS_BATCH = 10


# S3 error codes a retry cannot cure: the task fails at once with one line saying why.
_FATAL_S3_ERRORS = {
    "NoSuchBucket": "bucket {bucket!r} does not exist",
    "InvalidAccessKeyId": "the access key is not known to S3",
    "SignatureDoesNotMatch": "the secret key does not match the access key",
    "AccessDenied": "access to bucket {bucket!r} is denied",
    "ExpiredToken": "the session token has expired",
    "InvalidToken": "the session token is not valid",
}


@contextmanager
def source_errors(bucket: str, aws_conn_id: str) -> Iterator[None]:
    """Turns S3 errors that retrying cannot fix into one clear line naming the connection.
    An unreachable endpoint is left to Airflow's retries: networks recover."""
    from airflow.sdk.exceptions import AirflowFailException
    from botocore.exceptions import ClientError, NoCredentialsError

    try:
        yield
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code not in _FATAL_S3_ERRORS:
            raise
        reason = _FATAL_S3_ERRORS[code].format(bucket=bucket)
        raise AirflowFailException(f"S3 through connection {aws_conn_id!r}: {reason} ({code})") from None
    except NoCredentialsError:
        raise AirflowFailException(f"S3 through connection {aws_conn_id!r}: no credentials found") from None


def normalize_etag(etag: str) -> str:
    """Listings quote ETags, event notifications do not."""
    return etag.strip('"')


def list_etags(s3: S3Hook, bucket: str, prefix: str, suffix: str = "") -> dict[str, str]:
    """Key -> ETag of every object under ``prefix`` whose key ends with ``suffix``.

    One listing is a chain of requests of 1,000 keys, each asking after the one before
    (its continuation token), so S3 answers one at a time. Keys grouped in folders
    (``song_data/A/B/C/``) are listed by folder instead, :data:`LISTINGS_AT_ONCE` folders
    at a time: the folders are found a level at a time (delimiter ``/``, at most
    :data:`FOLDER_LEVELS` levels) until there are that many, and keys found beside them
    on the way are kept. The real catalogue (14,896 keys, 26 folders at the second level)
    took 3.2 to 3.7 s to list this way on the local stack, against 5.1 to 5.4 s in one
    listing (three runs each, alternated; the S3 stand-in's processor time was the same).
    """
    client = s3.get_conn()

    def pages(under: str, **delimiter):
        return client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=under, **delimiter)

    def etags(page) -> dict[str, str]:
        return {item["Key"]: normalize_etag(item["ETag"]) for item in page.get("Contents", ()) if item["Key"].endswith(suffix)}

    def one_level(under: str) -> tuple[dict[str, str], list[str]]:
        found, folders = {}, []
        for page in pages(under, Delimiter="/"):
            found.update(etags(page))
            folders += [folder["Prefix"] for folder in page.get("CommonPrefixes", ())]
        return found, folders

    def everything(under: str) -> dict[str, str]:
        return {key: etag for page in pages(under) for key, etag in etags(page).items()}

    found: dict[str, str] = {}
    folders = [prefix]
    with ThreadPoolExecutor(LISTINGS_AT_ONCE, thread_name_prefix="s3-list") as pool:
        for _ in range(FOLDER_LEVELS):
            if len(folders) >= LISTINGS_AT_ONCE:
                break
            levels = list(pool.map(one_level, folders))
            folders = [folder for _, below in levels for folder in below]
            for beside, _ in levels:
                found.update(beside)
        for below in pool.map(everything, folders):
            found.update(below)
    return found


@dataclass
class Notifications:
    """Objects named by the messages drained from the queue, and the messages' receipts."""

    objects: dict[str, str] = field(default_factory=dict)
    receipts: list[str] = field(default_factory=list)


class ObjectCreatedQueue:
    """An SQS queue that receives the bucket's ``s3:ObjectCreated:*`` notifications.

    Messages are deleted only by :meth:`acknowledge`, after the objects they name are
    staged and committed; a run that fails leaves them to reappear after the queue's
    visibility timeout, so no new object is lost.

    :param sqs: a boto3 SQS client
    :param queue_name: the queue's name
    """

    def __init__(self, sqs, queue_name: str) -> None:
        self.sqs = sqs
        self.url = sqs.get_queue_url(QueueName=queue_name)["QueueUrl"]

    def drain(self, bucket: str, prefix: str, suffix: str = "") -> Notifications:
        found = Notifications()
        while True:
            messages = self.sqs.receive_message(
                QueueUrl=self.url, MaxNumberOfMessages=_SQS_BATCH, WaitTimeSeconds=0
            ).get("Messages", [])
            if not messages:
                return found
            for message in messages:
                found.receipts.append(message["ReceiptHandle"])
                for key, etag in _created_objects(json.loads(message["Body"]), bucket):
                    if key.startswith(prefix) and key.endswith(suffix):
                        found.objects[key] = etag

    def acknowledge(self, receipts: Iterable[str]) -> None:
        receipts = list(receipts)
        for start in range(0, len(receipts), _SQS_BATCH):
            batch = receipts[start : start + _SQS_BATCH]
            self.sqs.delete_message_batch(
                QueueUrl=self.url, Entries=[{"Id": str(n), "ReceiptHandle": r} for n, r in enumerate(batch)]
            )


def _created_objects(body: dict, bucket: str) -> Iterable[tuple[str, str]]:
    # S3's test event ("s3:TestEvent") and other buckets' records name nothing to stage.
    for record in body.get("Records", ()):
        if not record.get("eventName", "").startswith("ObjectCreated:"):
            continue
        s3 = record["s3"]
        if s3["bucket"]["name"] == bucket:
            yield unquote_plus(s3["object"]["key"]), normalize_etag(s3["object"].get("eTag", ""))
