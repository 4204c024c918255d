"""The local S3 stand-in sends an object kept in a file (larger than moto's 1 MiB buffer)
as it reads it: whole and ranged GETs return exactly the object's bytes, concurrent GETs
do not disturb each other, a GET under way keeps the bytes it started with when the object
is replaced, and moto still answers conditional GETs. The moto S3 server over HTTP."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

import botocore.exceptions
import pytest

from sparkify_lab import dataset
from sparkify_lab.stack import BUCKET

pytestmark = pytest.mark.integration

KEY = "stand-in/large.json"
# Several of the stand-in's 1 MiB chunks, and not a whole number of them.
SIZE = 5 * (1 << 20) + 12_345


def _object_bytes(seed: int) -> bytes:
    return random.Random(seed).randbytes(SIZE)


@pytest.fixture
def large_object(stack):
    client = dataset.ensure_bucket(stack)
    body = _object_bytes(1)
    client.put_object(Bucket=BUCKET, Key=KEY, Body=body)
    yield client, body
    client.delete_object(Bucket=BUCKET, Key=KEY)


def test_whole_object_arrives_exactly(large_object):
    client, body = large_object
    response = client.get_object(Bucket=BUCKET, Key=KEY)
    assert response["ContentLength"] == SIZE
    assert response["Body"].read() == body


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [
        ("bytes=0-99", 0, 99),
        ("bytes=1048570-3145739", 1_048_570, 3_145_739),  # across chunk boundaries
        (f"bytes={SIZE - 10}-", SIZE - 10, SIZE - 1),
        ("bytes=-7", SIZE - 7, SIZE - 1),
        (f"bytes=5-{SIZE + 100}", 5, SIZE - 1),  # past the end: up to the last byte
    ],
)
def test_ranged_get_returns_the_range(large_object, header, first, last):
    client, body = large_object
    response = client.get_object(Bucket=BUCKET, Key=KEY, Range=header)
    assert response["ContentRange"] == f"bytes {first}-{last}/{SIZE}"
    assert response["Body"].read() == body[first : last + 1]


def test_range_past_the_end_is_refused(large_object):
    client, _ = large_object
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        client.get_object(Bucket=BUCKET, Key=KEY, Range=f"bytes={SIZE}-")
    assert refused.value.response["Error"]["Code"] == "InvalidRange"


def test_concurrent_gets_each_get_the_whole_object(large_object):
    client, body = large_object
    with ThreadPoolExecutor(6) as pool:
        bodies = list(pool.map(lambda _: client.get_object(Bucket=BUCKET, Key=KEY)["Body"].read(), range(6)))
    assert all(got == body for got in bodies)


def test_get_under_way_keeps_its_bytes_when_the_object_is_replaced(large_object):
    client, old = large_object
    stream = client.get_object(Bucket=BUCKET, Key=KEY)["Body"]
    head = stream.read(1 << 16)
    new = _object_bytes(2)
    client.put_object(Bucket=BUCKET, Key=KEY, Body=new)
    assert head + stream.read() == old
    assert client.get_object(Bucket=BUCKET, Key=KEY)["Body"].read() == new


def test_conditional_get_is_answered_by_moto(large_object):
    client, body = large_object
    etag = client.head_object(Bucket=BUCKET, Key=KEY)["ETag"]
    with pytest.raises(botocore.exceptions.ClientError) as not_modified:
        client.get_object(Bucket=BUCKET, Key=KEY, IfNoneMatch=etag)
    assert not_modified.value.response["Error"]["Code"] == "304"
    assert client.get_object(Bucket=BUCKET, Key=KEY, IfMatch=etag)["Body"].read() == body
