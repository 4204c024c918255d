"""The Data Docs index lists the live validation results as GX's own index builder does,
reading of each result only the fields the index shows: the gates' real results on the
real local PostgreSQL, one passing hour and one failing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from great_expectations_provider.common.errors import GXValidationFailed
from helpers import TEST_DAY_KEY, TEST_HOUR, event, event_lines, ms, put, run_hour_in_process

from sparkify.quality.context import SITE_NAME, open_context
from sparkify.quality.docs_index import SummaryIndexBuilder

pytestmark = pytest.mark.integration


def site_builder(context, index_builder: dict | None = None):
    config = dict(context.variables.data_docs_sites[SITE_NAME])
    if index_builder is not None:
        config["site_index_builder"] = {**config["site_index_builder"], **index_builder}
    return context._init_site_builder_for_data_docs_site_creation(SITE_NAME, config)


def test_the_index_lists_each_live_result_as_gx_builder_does(one_song):
    failing_hour = TEST_HOUR + timedelta(hours=1)
    good = [event(ms(TEST_HOUR, n), "7", itemInSession=n) for n in range(6)]
    bad = [event(ms(failing_hour, n), "7", itemInSession=n, level="gold") for n in range(6)]
    put(one_song, TEST_DAY_KEY, event_lines(good + bad))
    run_hour_in_process(TEST_HOUR)
    with pytest.raises(GXValidationFailed):
        run_hour_in_process(failing_hour)
    context = open_context("sparkify_warehouse")

    ours = site_builder(context).site_index_builder
    gx_own = site_builder(context, {"module_name": "great_expectations.render.renderer.site_builder", "class_name": "DefaultSiteIndexBuilder"})
    assert isinstance(ours, SummaryIndexBuilder)
    assert type(gx_own.site_index_builder) is not SummaryIndexBuilder
    _, our_links = ours.build()
    _, gx_links = gx_own.site_index_builder.build()

    assert our_links == gx_links
    validations = our_links["validations_links"]
    assert {(link["expectation_suite_name"], link["validation_success"]) for link in validations} >= {
        ("staging_events", True),
        ("staging_events", False),
        ("songplays", True),
    }
    assert all(link["asset_name"] for link in validations)
