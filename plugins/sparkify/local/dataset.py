"""Putting a dataset in the Sparkify layout into the local bucket."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sparkify.local.stack import BUCKET, REGION, LocalStack

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


def s3_client(stack: LocalStack):
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        config=Config(max_pool_connections=UPLOAD_WORKERS),
        endpoint_url=stack.s3_endpoint,
        region_name=REGION,
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


def ensure_bucket(client) -> None:
    existing = {b["Name"] for b in client.list_buckets().get("Buckets", [])}
    if BUCKET not in existing:
        client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})


def upload(stack: LocalStack, data_dir: Path) -> int:
    """Uploads every dataset file whose key is missing or has another size; returns the count uploaded."""
    check_layout(data_dir)
    client = s3_client(stack)
    ensure_bucket(client)
    present = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        present.update({item["Key"]: item["Size"] for item in page.get("Contents", ())})
    files = [data_dir / "log_json_path.json", *sorted((data_dir / "song_data").rglob("*.json")), *sorted((data_dir / "log_data").rglob("*.json"))]
    todo = [(path, path.relative_to(data_dir).as_posix()) for path in files]
    todo = [(path, key) for path, key in todo if present.get(key) != path.stat().st_size]

    def put(item: tuple[Path, str]) -> None:
        path, key = item
        client.put_object(Bucket=BUCKET, Key=key, Body=path.read_bytes())

    with ThreadPoolExecutor(UPLOAD_WORKERS) as pool:
        list(pool.map(put, todo))
    return len(todo)


def empty_bucket(stack: LocalStack) -> None:
    client = s3_client(stack)
    ensure_bucket(client)
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        keys = [{"Key": item["Key"]} for item in page.get("Contents", ())]
        if keys:
            client.delete_objects(Bucket=BUCKET, Delete={"Objects": keys})
