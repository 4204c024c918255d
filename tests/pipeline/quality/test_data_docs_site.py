"""Where Data Docs go follows Airflow variables: the same gate builds the site in an S3
prefix (here the moto S3 server over HTTP) when ``sparkify_data_docs`` is an s3:// URL,
and links pages at ``sparkify_data_docs_url``."""

from __future__ import annotations

import pytest
from helpers import TEST_DAY_KEY, TEST_HOUR, event, event_lines, ms, put, run_hour_in_process

from sparkify_lab import dataset
from sparkify_lab.stack import BUCKET

pytestmark = pytest.mark.integration

PUBLIC_URL = "https://data-docs.sparkify.example/"


def test_an_s3_location_puts_the_site_in_that_prefix_and_links_the_public_url(one_song, monkeypatch, capsys):
    monkeypatch.setenv("AIRFLOW_VAR_SPARKIFY_DATA_DOCS", f"s3://{BUCKET}/data_docs/")
    monkeypatch.setenv("AIRFLOW_VAR_SPARKIFY_DATA_DOCS_URL", PUBLIC_URL)
    put(one_song, TEST_DAY_KEY, event_lines([event(ms(TEST_HOUR, n), "7", itemInSession=n) for n in range(6)]))

    run_hour_in_process(TEST_HOUR)

    listing = dataset.aws_client(one_song, "s3").list_objects_v2(Bucket=BUCKET, Prefix="data_docs/")
    keys = {item["Key"] for item in listing.get("Contents", [])}
    assert "data_docs/index.html" in keys
    assert any(k.startswith("data_docs/validations/staging_events/") and k.endswith(".html") for k in keys)
    assert any(k.startswith("data_docs/validations/songplays/") for k in keys)
    log = capsys.readouterr().out
    assert f"Data Docs: {PUBLIC_URL}validations/staging_events/" in log
    assert "Uploaded " in log and f"Data Docs files to s3://{BUCKET}/data_docs/" in log
