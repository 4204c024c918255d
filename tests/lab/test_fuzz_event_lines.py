"""The fuzz harness of the event reader's C parser (native/event_lines/fuzz_event_lines.py,
``./sparkify fuzz``): a bounded run from its seeds keeps every invariant, and its checks
fail on an outcome that breaks one (else a run that finds nothing would prove nothing)."""

from __future__ import annotations

import dataclasses
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
HARNESS = PROJECT / "native" / "event_lines" / "fuzz_event_lines.py"


@pytest.fixture(scope="module")
def harness():
    spec = importlib.util.spec_from_file_location("fuzz_event_lines", HARNESS)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks its module up
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules[spec.name]


@pytest.mark.fuzz
def test_a_bounded_fuzz_run_from_the_seeds_keeps_every_invariant(tmp_path):
    seeds, corpus = tmp_path / "seeds", tmp_path / "corpus"
    corpus.mkdir()
    subprocess.run([sys.executable, str(HARNESS), "--write-seeds", str(seeds)], check=True, capture_output=True, timeout=120)

    result = subprocess.run(
        [sys.executable, str(HARNESS), "-runs=20000", "-max_total_time=30", "-seed=1", f"-artifact_prefix={tmp_path}/", str(corpus), str(seeds)],
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert result.returncode == 0, result.stderr[-5000:]
    assert "INITED" in result.stderr and re.search(r"Done \d+ runs", result.stderr), result.stderr[-2000:]
    assert not list(tmp_path.glob("crash-*"))


def test_the_seeds_hold_the_bad_input_catalogues_cases(harness):
    names = set(harness.seed_objects())

    assert {
        "malformed", "truncated", "csv", "not-utf8", "nul", "bom", "crlf-blank", "ts-text", "ts-numeric-string",
        "user-number", "length-text", "no-ts", "unknown-fields", "empty", "other-day", "other-hour", "duplicates",
    } <= names  # fmt: skip


def _plant_wrong_length(outcome):
    row = list(outcome.rows[2])
    row[6] += 1.0
    return dataclasses.replace(outcome, rows=[*outcome.rows[:2], tuple(row), *outcome.rows[3:]])


def _plant_line_passed_twice(outcome):
    return dataclasses.replace(outcome, passed_on=[*outcome.passed_on, outcome.passed_on[0]])


def _plant_repeat_staged(outcome):
    # Line 7 repeats line 5: staged as well, and no longer passed on.
    row = (*outcome.rows[4][:-1], 7)
    passed = [(number, text) for number, text in outcome.passed_on if number != 7]
    return dataclasses.replace(outcome, rows=[*outcome.rows, row], staged=outcome.staged + 1, passed_on=passed)


def _plant_lost_line(outcome):
    return dataclasses.replace(outcome, passed_on=outcome.passed_on[1:])


def _plant_changed_text(outcome):
    number, text = outcome.passed_on[0]
    return dataclasses.replace(outcome, passed_on=[(number, text.replace(b"Harmonia", b"Harmonica")), *outcome.passed_on[1:]])


@pytest.mark.parametrize(
    ("plant", "message"),
    [
        pytest.param(_plant_wrong_length, "line 3: length staged as 656.77751, but the line holds 655.77751", id="wrong-length"),
        pytest.param(_plant_line_passed_twice, "a line was staged or passed on twice", id="passed-twice"),
        pytest.param(_plant_repeat_staged, r"two staged rows share \(sessionId, itemInSession, userId, ts\)", id="repeat-staged"),
        pytest.param(_plant_lost_line, r"staged 6 \+ passed on 1 \+ other hours 0 \+ blank 0 != 8 lines", id="lost-line"),
        pytest.param(_plant_changed_text, "line 7 was passed on as", id="changed-text"),
    ],
)
def test_the_checks_fail_on_an_outcome_that_breaks_an_invariant(harness, plant, message):
    # Six plays, then two repeats (lines 7 and 8), which the reader passes on.
    body = harness.seed_objects()["duplicates"]
    lines = harness.object_lines(body)
    outcome = harness.read_object(body, 1 << 16)
    harness.check_outcome(lines, outcome)  # the reader's own outcome holds
    assert (outcome.staged, [number for number, _ in outcome.passed_on]) == (6, [7, 8])

    with pytest.raises(harness.InvariantError, match=message):
        harness.check_outcome(lines, plant(outcome))
