"""Listing a prefix folder by folder, several at once, finds exactly what one listing of
the prefix finds: the moto S3 server over HTTP."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from airflow.providers.amazon.aws.hooks.s3 import S3Hook

from sparkify import s3_listing
from sparkify_lab import dataset
from sparkify_lab.stack import BUCKET

pytestmark = pytest.mark.integration

KEYS = [
    *(f"cat/{a}/{b}/TR{a}{b}{n}.json" for a in "ABCDEFGHIJ" for b in "XY" for n in range(3)),
    "cat/TOP.json",  # beside the first level's folders
    "cat/A/BESIDE.json",  # beside the second level's folders
    "cat/A/X/NOTES.txt",  # not the suffix
    "cat/deep/1/2/3/4/TRDEEP.json",  # below the levels searched for folders
    *(f"cat/big/TR{n:04d}.json" for n in range(1_005)),  # a folder of more than one page
    "catalogue/TROTHER.json",  # shares the prefix's letters, not its folder
]


@pytest.fixture(scope="module")
def bucket_of_folders(stack):
    client = dataset.ensure_bucket(stack)
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda key: client.put_object(Bucket=BUCKET, Key=key, Body=key.encode()), KEYS))
    yield client
    for start in range(0, len(KEYS), 1_000):
        client.delete_objects(Bucket=BUCKET, Delete={"Objects": [{"Key": key} for key in KEYS[start : start + 1_000]]})


@pytest.mark.parametrize("at_once", [2, 8, 100])
def test_listing_by_folder_finds_what_one_listing_finds(bucket_of_folders, monkeypatch, at_once):
    monkeypatch.setattr(s3_listing, "LISTINGS_AT_ONCE", at_once)
    one_listing = {
        item["Key"]: item["ETag"].strip('"')
        for page in bucket_of_folders.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix="cat/")
        for item in page.get("Contents", ())
        if item["Key"].endswith(".json")
    }

    by_folder = s3_listing.list_etags(S3Hook(aws_conn_id="aws_default"), BUCKET, "cat/", suffix=".json")

    assert by_folder == one_listing
    assert len(by_folder) == len(KEYS) - 2
