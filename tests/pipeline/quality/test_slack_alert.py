"""A failed gate posts one Slack message through the Slack provider's webhook hook to a
real HTTP listener on 127.0.0.1 standing in for Slack."""

from __future__ import annotations

import pytest
from great_expectations_provider.common.errors import GXValidationFailed
from helpers import TEST_DAY_KEY, TEST_HOUR, event, event_lines, ms, put, run_hour_in_process

pytestmark = pytest.mark.integration

H = TEST_HOUR
DAY_KEY = TEST_DAY_KEY


def test_a_blocked_hour_posts_one_message_naming_what_failed(one_song, slack_listener):
    events = [event(ms(H, n), "7", itemInSession=n) for n in range(6)]
    events += [event(ms(H, 30), "7", itemInSession=98, level="gold"), event(ms(H, 31), "7", itemInSession=99, level="gold")]
    put(one_song, DAY_KEY, event_lines(events))

    with pytest.raises(GXValidationFailed):
        run_hour_in_process(H)

    [(path, payload)] = slack_listener
    assert path == "/services/T000/B000/XXXX"
    text = payload["text"]
    assert "sparkify_hourly.validate_staging blocked the hour" in text
    assert "[2018-11-15T10:00, 11:00) UTC" in text
    assert "staging_events: `expect_column_values_to_be_in_set` on level [critical], unexpected 2" in text
    assert f"<{one_song.data_docs_url}validations/staging_events/" in text and "|Data Docs: staging_events>" in text
    assert payload["blocks"][0]["type"] == "header"
    assert "Ana" not in text and "Lima" not in text and "Porto" not in text, "no personal data in alerts"


def test_a_warning_only_hour_alerts_and_flows_on(one_song, slack_listener):
    put(one_song, DAY_KEY, event_lines([event(ms(H, 1), "7")]))

    run_hour_in_process(H)

    [(_, payload)] = slack_listener
    assert "passed with warnings" in payload["text"]
    assert "expect_table_row_count_to_be_between" in payload["text"]


def test_a_clean_hour_posts_nothing(one_song, slack_listener):
    put(one_song, DAY_KEY, event_lines([event(ms(H, n), "7", itemInSession=n) for n in range(6)]))

    run_hour_in_process(H)

    assert slack_listener == []
