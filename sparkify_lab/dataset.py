"""Putting a dataset in the Sparkify layout into the local bucket."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sparkify_lab.stack import BUCKET, REGION, SONG_QUEUE, LocalStack

UPLOAD_WORKERS = 32
LAYOUT = ("song_data", "log_data", "log_json_path.json")


class DatasetError(ValueError):
    """A folder that is not in the Sparkify layout."""


def check_layout(data_dir: Path) -> None:
    missing = [name for name in LAYOUT if not (data_dir / name).exists()]
    if missing:
        raise DatasetError(
            f"{data_dir} is not a Sparkify dataset: it lacks {', '.join(missing)} "
            f"(expected song_data/, log_data/ and log_json_path.json)"
        )


def aws_client(stack: LocalStack, service: str):
    import boto3
    from botocore.config import Config

    return boto3.client(
        service,
        config=Config(max_pool_connections=UPLOAD_WORKERS),
        endpoint_url=stack.s3_endpoint,
        region_name=REGION,
        aws_access_key_id="local",
        aws_secret_access_key="local",  # pragma: allowlist secret (moto's stand-in, not a credential)
    )


def ensure_bucket(stack: LocalStack):
    """The local bucket, notifying the song queue of new song objects; returns an S3 client."""
    client = aws_client(stack, "s3")
    existing = {b["Name"] for b in client.list_buckets().get("Buckets", [])}
    if BUCKET not in existing:
        client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    client.put_bucket_notification_configuration(Bucket=BUCKET, NotificationConfiguration=_song_notifications(stack))
    return client


def _song_notifications(stack: LocalStack) -> dict:
    sqs = aws_client(stack, "sqs")
    queue_url = sqs.create_queue(QueueName=SONG_QUEUE)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    rules = [{"Name": "prefix", "Value": "song_data/"}, {"Name": "suffix", "Value": ".json"}]
    return {
        "QueueConfigurations": [
            {"QueueArn": queue_arn, "Events": ["s3:ObjectCreated:*"], "Filter": {"Key": {"FilterRules": rules}}}
        ]
    }


def upload(stack: LocalStack, data_dir: Path) -> int:
    """Uploads every dataset file whose key is missing or has another size; returns the count uploaded."""
    check_layout(data_dir)
    client = ensure_bucket(stack)
    present = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        present.update({item["Key"]: item["Size"] for item in page.get("Contents", ())})
    files = [data_dir / "log_json_path.json", *sorted((data_dir / "song_data").rglob("*.json")), *sorted((data_dir / "log_data").rglob("*.json"))]
    todo = [(path, path.relative_to(data_dir).as_posix()) for path in files]
    todo = [(path, key) for path, key in todo if present.get(key) != path.stat().st_size]

    def put(item: tuple[Path, str]) -> None:
        path, key = item
        client.put_object(Bucket=BUCKET, Key=key, Body=path.read_bytes())

    # A bulk load goes in without notifications: moto's queue slows down with every
    # message it holds (14,896 would take many minutes). The stage step lists the
    # catalogue on its first run and at its daily reconciliation hour, which finds them.
    client.put_bucket_notification_configuration(Bucket=BUCKET, NotificationConfiguration={})
    try:
        with ThreadPoolExecutor(UPLOAD_WORKERS) as pool:
            list(pool.map(put, todo))
    finally:
        client.put_bucket_notification_configuration(Bucket=BUCKET, NotificationConfiguration=_song_notifications(stack))
    return len(todo)


def empty_bucket(stack: LocalStack) -> None:
    """Deletes every object and every pending song notification."""
    sqs = aws_client(stack, "sqs")
    sqs.delete_queue(QueueUrl=sqs.create_queue(QueueName=SONG_QUEUE)["QueueUrl"])
    client = ensure_bucket(stack)
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        keys = [{"Key": item["Key"]} for item in page.get("Contents", ())]
        if keys:
            client.delete_objects(Bucket=BUCKET, Delete={"Objects": keys})
