"""Listing S3 objects with their ETags (the S3 hook's listing returns keys only)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from airflow.providers.amazon.aws.hooks.s3 import S3Hook


def list_etags(s3: S3Hook, bucket: str, prefix: str, suffix: str = "") -> dict[str, str]:
    """Key -> ETag of every object under ``prefix`` whose key ends with ``suffix``."""
    paginator = s3.get_conn().get_paginator("list_objects_v2")
    return {
        item["Key"]: item["ETag"]
        for page in paginator.paginate(Bucket=bucket, Prefix=prefix)
        for item in page.get("Contents", ())
        if item["Key"].endswith(suffix)
    }
