"""Every gate writes one row per expectation to the warehouse table validation_results
(the checkpoint action sparkify_validation_results); a rerun of an hour replaces them."""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from great_expectations_provider.common.errors import GXValidationFailed
from helpers import TEST_DAY_KEY, TEST_HOUR, event, event_lines, ms, put, rows

from sparkify_lab.in_process import HourInProcess

pytestmark = pytest.mark.integration

H = TEST_HOUR
GX = Path(__file__).resolve().parents[3] / "gx"
SUITES = ("staging_events", "staging_songs", "stage_reconciliation", "songplays", "users", "songs", "artists", "time")


def suite_size(suite: str) -> int:
    return len(json.loads((GX / "expectations" / f"{suite}.json").read_text())["expectations"])


def results(stack) -> list[tuple]:
    return rows(
        stack,
        "select run_id, batch_hour, checkpoint, suite, expectation_type, column_name, severity, success,"
        " observed_value, unexpected_count, min_value, max_value, data_docs_url from validation_results",
    )


def run(hour, run_id: str) -> None:
    runner = HourInProcess(hour)
    runner.context["run_id"] = run_id
    runner.run_all()


def test_each_gate_records_every_expectation_of_the_hour(one_song):
    put(one_song, TEST_DAY_KEY, event_lines([event(ms(H, 1), "7")]))

    run(H, "scheduled__2018-11-15T10:00:00+00:00")

    recorded = results(one_song)
    assert Counter(r[3] for r in recorded) == {suite: suite_size(suite) for suite in SUITES}
    assert {r[0] for r in recorded} == {"scheduled__2018-11-15T10:00:00+00:00"}
    assert {r[1] for r in recorded} == {H.replace(tzinfo=None)}
    assert {(r[2], r[3]) for r in recorded} >= {("staging_events_hour", "staging_events"), ("warehouse_users_hour", "users")}
    [failed] = [r for r in recorded if not r[7]]
    assert failed[3:12] == ("staging_events", "expect_table_row_count_to_be_between", None, "warning", False, "1", None, 5.0, None)
    assert failed[12].startswith(f"{one_song.data_docs_url}validations/staging_events/scheduled__2018-11-15T10")
    passed_unique = [r for r in recorded if r[3] == "users" and r[4] == "expect_column_values_to_be_unique"]
    assert [(r[5], r[6], r[7], r[9]) for r in passed_unique] == [("user_id", "critical", True, 0)]


def test_a_rerun_of_the_hour_replaces_its_rows(one_song):
    put(one_song, TEST_DAY_KEY, event_lines([event(ms(H, 1), "7")]))
    run(H, "scheduled__2018-11-15T10:00:00+00:00")
    put(one_song, TEST_DAY_KEY, event_lines([event(ms(H, n), "7", itemInSession=n) for n in range(6)]))

    run(H, "manual__rerun")

    recorded = results(one_song)
    assert len(recorded) == sum(map(suite_size, SUITES))
    assert {r[0] for r in recorded} == {"manual__rerun"}
    assert all(r[7] for r in recorded), "the rerun's passing volume check replaced the failed one"


def test_a_rerun_that_finds_the_hour_empty_removes_its_rows(one_song):
    put(one_song, TEST_DAY_KEY, event_lines([event(ms(H, n), "7", itemInSession=n, level="gold") for n in range(6)]))
    with pytest.raises(GXValidationFailed):
        run(H, "scheduled__2018-11-15T10:00:00+00:00")
    assert "staging_events" in {r[3] for r in results(one_song)}
    put(one_song, TEST_DAY_KEY, "")

    run(H, "manual__rerun")

    assert "staging_events" not in {r[3] for r in results(one_song)}, "nothing to validate: nothing recorded"


def test_the_gates_record_the_same_outcomes_with_the_gx_speed_ups_off(one_song, monkeypatch, caplog):
    from sparkify.quality import gx_private

    # Three hours: clean, a warning (too few events) and a block (an unknown level).
    hours = [H, H + timedelta(hours=1), H + timedelta(hours=2)]
    clean_hour = [event(ms(H, n), "7", itemInSession=n) for n in range(8)]
    few = [event(ms(hours[1], n), "8", itemInSession=n) for n in range(2)]
    blocked = [event(ms(hours[2], n), "9", itemInSession=n, level="gold" if n == 3 else "free") for n in range(8)]
    put(one_song, TEST_DAY_KEY, event_lines(clean_hour + few + blocked))

    def outcomes() -> list[tuple]:
        for hour in hours:
            try:
                run(hour, f"scheduled__{hour.isoformat()}")
            except GXValidationFailed:
                pass
        return sorted((r[1:12] for r in results(one_song)), key=repr)

    with_speed_ups = outcomes()
    monkeypatch.setenv(gx_private.SWITCH, "off")
    gx_private.intact.cache_clear()
    try:
        without = outcomes()
    finally:
        gx_private.intact.cache_clear()

    assert "GX speed-ups off (SPARKIFY_GX_SPEEDUPS=off)" in caplog.text
    assert without == with_speed_ups
    assert {(r[2], r[3], r[6]) for r in without if not r[6]} >= {
        ("staging_events", "expect_table_row_count_to_be_between", False),
        ("staging_events", "expect_column_values_to_be_in_set", False),
    }
