"""The catalogue of bad input, each through the real stage operators on the local
PostgreSQL and the moto S3 server (and, where the outcome is the hour's fate, the DAG's
own gate tasks): every record read is staged, quarantined with its object, line, raw
text and reason, or left to the hour it belongs to, and the balance is recorded.

The fixtures are generated here, never edited copies of the real data."""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from airflow.sdk.exceptions import AirflowFailException
from great_expectations_provider.common.errors import GXValidationFailed
from helpers import HOUR, TEST_HOUR, context_for, event, ms, put, put_songs, rows, run_hour_in_process, snapshot, song

from sparkify.operators import CreateTablesOperator, StageEventsOperator, StageSongsOperator
from sparkify_lab.in_process import HourInProcess
from sparkify_lab.stack import BUCKET, free_port, wait_for_port

pytestmark = pytest.mark.integration

H = TEST_HOUR
DAY_PREFIX = "log_data/2018/11/2018-11-15-events"
DAY_KEY = f"{DAY_PREFIX}.json"
SOURCE = f"s3://{BUCKET}/{DAY_PREFIX}"


@dataclass
class Outcome:
    staged: int
    quarantine: list[tuple]  # (source_key, source_line, raw_line, reason), in file order
    balance: tuple  # (objects, records, staged, quarantined, other hours, new fields)


def good_events(count: int = 30) -> list[dict]:
    """``count`` distinct plays inside H, one a minute."""
    return [event(ms(H, n), "7", itemInSession=n) for n in range(count)]


def lines(events: list[dict | str]) -> list[str]:
    return [e if isinstance(e, str) else json.dumps(e) for e in events]


def stage_events(stack) -> Outcome:
    staged = StageEventsOperator(task_id="stage_events", bucket=BUCKET, prefix=DAY_PREFIX).execute(context_for(H))
    return Outcome(
        staged=staged,
        quarantine=rows(
            stack,
            "select source_key, source_line, raw_line, reason from quarantine where stage = 'events' "
            "and batch_hour = %(hour)s order by source_key, source_line",
            {"hour": H.replace(tzinfo=None)},
        ),
        balance=events_balance(stack),
    )


def events_balance(stack) -> tuple:
    [balance] = rows(
        stack,
        "select objects_read, records_read, staged, quarantined, other_hours, new_fields from stage_reconciliation "
        "where stage = 'events' and batch_hour = %(hour)s",
        {"hour": H.replace(tzinfo=None)},
    )
    return balance


def staged_items(stack) -> list[int]:
    return [r[0] for r in rows(stack, "select item_in_session from staging_events order by 1")]


# --- malformed lines -------------------------------------------------------------


def test_a_malformed_line_in_the_middle_is_quarantined_and_the_rest_staged(fresh):
    body = lines(good_events())
    body.insert(15, '{"ts": 1542276000000, "page": NextSong}')
    put(fresh, DAY_KEY, "\n".join(body))

    outcome = stage_events(fresh)

    assert outcome.staged == 30
    assert outcome.quarantine == [
        (DAY_KEY, 16, '{"ts": 1542276000000, "page": NextSong}', 'not JSON: invalid input syntax for type json: Token "NextSong" is invalid.')
    ]
    assert outcome.balance == (1, 31, 30, 1, 0, None)
    assert staged_items(fresh) == list(range(30))


def test_a_truncated_last_line_is_quarantined(fresh):
    body = lines(good_events())
    body[-1] = body[-1][: body[-1].index(', "ts"')]
    put(fresh, DAY_KEY, "\n".join(body))

    outcome = stage_events(fresh)

    assert outcome.staged == 29
    assert outcome.quarantine == [
        (DAY_KEY, 30, body[-1], "not JSON: invalid input syntax for type json: The input string ended unexpectedly.")
    ]
    assert outcome.balance == (1, 30, 29, 1, 0, None)


def test_a_file_that_is_not_json_is_quarantined_line_by_line_and_fails_the_hour_naming_the_first(fresh, capsys):
    put(fresh, DAY_KEY, "ts,userId,page\n1542276000000,7,NextSong\n1542276060000,8,Home\n")

    outcome = stage_events(fresh)

    assert outcome.staged == 0
    assert [(line, reason) for _, line, _, reason in outcome.quarantine] == [
        (1, 'not JSON: invalid input syntax for type json: Token "ts" is invalid.'),
        (2, 'not JSON: invalid input syntax for type json: Expected end of input, but found ",".'),
        (3, 'not JSON: invalid input syntax for type json: Expected end of input, but found ",".'),
    ]
    assert outcome.balance == (1, 3, 0, 3, 0, None)
    # The whole hour through the DAG's tasks: blocked at the reconciliation gate, nothing published.
    with pytest.raises(GXValidationFailed):
        run_hour_in_process(H)
    assert rows(fresh, "select count(*) from songplays") == [(0,)]
    log = capsys.readouterr().out
    assert "FAILED [critical] unexpected_rows_expectation (At most the allowed share" in log
    assert (
        f"worst: {DAY_KEY} line 1: not JSON (3 records quarantined, 100.0% of the hour, at most 5.0% allowed)"
    ) in log


def test_the_reconciliation_alert_names_the_fault_but_never_the_records_values(fresh, slack_listener):
    # Malformed lines whose parse errors would quote a listener's name and town.
    put(fresh, DAY_KEY, "\n".join(['{"firstName": Zebulon, "ts": 1}', '{"location": Xanadu-on-Sea}'] * 3))
    stage_events(fresh)

    with pytest.raises(GXValidationFailed):
        HourInProcess(H).run_task("validate_staging")

    [(_, message)] = slack_listener
    assert f"worst: {DAY_KEY} line 1: not JSON (6 records quarantined, 100.0% of the hour" in message["text"]
    assert "Zebulon" not in json.dumps(message) and "Xanadu" not in json.dumps(message)
    assert rows(fresh, "select count(*) from quarantine where raw_line like '%%Zebulon%%'") == [(3,)]


def test_bytes_that_are_not_utf8_are_quarantined_with_their_column(fresh):
    events = good_events()
    body = "\n".join(lines(events)).encode()
    bad = json.dumps(event(ms(H, 45), "7", itemInSession=45, artist="Beyonc\u00e9")).encode().replace(b"\\u00e9", b"\xe9")
    put(fresh, DAY_KEY, body + b"\n" + bad)

    outcome = stage_events(fresh)

    column = bad.index(b"\xe9") + 1
    assert outcome.staged == 30
    assert outcome.quarantine == [(DAY_KEY, 31, bad.decode("latin-1").replace("\xe9", "\\xe9"), f"not UTF-8 text: byte 0xe9 at column {column}")]
    assert outcome.balance == (1, 31, 30, 1, 0, None)


def test_a_nul_byte_is_quarantined(fresh):
    bad = json.dumps(event(ms(H, 45), "7", itemInSession=45)).replace('"Ana"', '"A\x00na"')
    put(fresh, DAY_KEY, "\n".join([*lines(good_events()), bad]))

    outcome = stage_events(fresh)

    assert outcome.staged == 30
    assert [(line, reason) for _, line, _, reason in outcome.quarantine] == [(31, f"a NUL byte at column {bad.index(chr(0)) + 1}")]


def test_a_utf8_byte_order_mark_is_dropped_and_every_line_staged(fresh):
    put(fresh, DAY_KEY, b"\xef\xbb\xbf" + "\n".join(lines(good_events())).encode())

    outcome = stage_events(fresh)

    assert outcome.staged == 30
    assert outcome.quarantine == []
    assert outcome.balance == (1, 30, 30, 0, 0, None)


def test_crlf_line_ends_and_blank_lines_stage_every_record(fresh):
    put(fresh, DAY_KEY, "\r\n".join(lines(good_events())) + "\r\n\r\n\n")

    outcome = stage_events(fresh)

    assert outcome.staged == 30
    assert outcome.balance == (1, 30, 30, 0, 0, None)


# --- wrong types, missing and unknown fields --------------------------------------


def test_wrong_types_are_quarantined_naming_the_field_unless_the_value_converts(fresh):
    base = good_events(4)
    ts_text = {**base[0], "ts": "soon"}
    ts_numeric_text = {**base[1], "ts": str(base[1]["ts"])}  # converts, as Redshift's COPY converts it
    length_text = {**base[2], "length": "long"}
    user_number = {**base[3], "userId": 42}  # converts to the text '42'
    put(fresh, DAY_KEY, "\n".join(lines([ts_text, ts_numeric_text, length_text, user_number, *good_events(40)[10:40]])))

    outcome = stage_events(fresh)

    assert outcome.staged == 32
    assert [(line, reason) for _, line, _, reason in outcome.quarantine] == [
        (1, 'wrong type: ts "soon" is not bigint'),
        (3, 'wrong type: length "long" is not double precision'),
    ]
    assert outcome.balance == (1, 34, 32, 2, 0, None)
    assert rows(fresh, "select user_id from staging_events where item_in_session = 3") == [("42",)]
    assert rows(fresh, "select count(*) from staging_events where item_in_session = 1") == [(1,)]


def test_an_event_without_ts_is_quarantined_as_unplaceable(fresh):
    no_ts = {k: v for k, v in event(0, "7", itemInSession=99).items() if k != "ts"}
    put(fresh, DAY_KEY, "\n".join(lines([*good_events(), no_ts])))

    outcome = stage_events(fresh)

    assert outcome.staged == 30
    assert [(line, reason) for _, line, _, reason in outcome.quarantine] == [
        (31, "no ts: the record cannot be placed in an hour")
    ]


def test_other_missing_fields_are_staged_as_null_for_the_gate_to_judge(fresh, capsys):
    no_user = {k: v for k, v in event(ms(H, 50), "7", itemInSession=50).items() if k != "userId"}
    put(fresh, DAY_KEY, "\n".join(lines([*good_events(), no_user])))

    outcome = stage_events(fresh)

    assert outcome.staged == 31 and outcome.quarantine == []
    assert rows(fresh, "select user_id is null from staging_events where item_in_session = 50") == [(True,)]
    capsys.readouterr()
    with pytest.raises(GXValidationFailed):
        HourInProcess(H).run_task("validate_staging")
    failed = re.findall(r"FAILED (\[\w+\] \w+ \(.*?\)): unexpected (\d+)", capsys.readouterr().out)
    assert failed == [("[critical] unexpected_rows_expectation (Every NextSong event names its user (userId is not empty))", "1")]


def test_unknown_fields_are_staged_and_reported_as_schema_drift(fresh, capsys):
    drifted = [{**e, "mood": "happy", "device": "phone"} for e in good_events()]
    put(fresh, DAY_KEY, "\n".join(lines(drifted)))

    outcome = stage_events(fresh)

    assert outcome.staged == 30 and outcome.quarantine == []
    assert outcome.balance == (1, 30, 30, 0, 0, "device, mood")
    assert "Fields the staging table has no column for (kept in the source objects only): device, mood" in capsys.readouterr().out
    HourInProcess(H).run_task("validate_staging")  # a warning: the hour flows on
    assert "FAILED [warning] expect_column_values_to_be_null (new_fields)" in capsys.readouterr().out


# --- empty and missing input ------------------------------------------------------


def test_an_empty_file_is_an_hour_with_zero_rows(fresh):
    put(fresh, DAY_KEY, b"")

    outcome = stage_events(fresh)

    assert outcome.staged == 0 and outcome.quarantine == []
    assert outcome.balance == (1, 0, 0, 0, 0, None)
    HourInProcess(H).run_task("validate_staging")


def test_an_hour_with_no_file_is_a_success_with_zero_rows(fresh):
    outcome = stage_events(fresh)

    assert outcome.staged == 0 and outcome.quarantine == []
    assert outcome.balance == (0, 0, 0, 0, 0, None)
    HourInProcess(H).run_task("validate_staging")


def test_events_outside_the_objects_day_are_quarantined(fresh):
    tomorrow = event(ms(H, 24 * 60), "7", itemInSession=77)  # 2018-11-16T10:00
    put(fresh, DAY_KEY, "\n".join(lines([*good_events(), tomorrow])))

    outcome = stage_events(fresh)

    assert outcome.staged == 30
    assert [(line, reason) for _, line, _, reason in outcome.quarantine] == [
        (31, "outside its day: ts 2018-11-16 10:00:00 is not on 2018-11-15")
    ]


def test_events_of_other_hours_are_left_to_them_and_counted(fresh):
    later = [event(ms(H, 60 + n), "7", itemInSession=100 + n) for n in range(5)]
    put(fresh, DAY_KEY, "\n".join(lines([*good_events(), *later])))

    outcome = stage_events(fresh)

    assert outcome.balance == (1, 35, 30, 0, 5, None)


# --- duplicates -------------------------------------------------------------------


def test_the_same_event_twice_in_one_file_is_staged_once(fresh):
    events = good_events()
    put(fresh, DAY_KEY, "\n".join(lines([*events, events[4]])))

    outcome = stage_events(fresh)

    assert outcome.staged == 30
    assert [(line, reason) for _, line, _, reason in outcome.quarantine] == [(31, f"duplicate: the same event as {DAY_KEY} line 5")]
    assert outcome.balance == (1, 31, 30, 1, 0, None)


def test_the_same_event_in_two_files_of_the_day_is_staged_once(fresh):
    events = good_events()
    redelivered = f"{DAY_PREFIX}-redelivered.json"
    put(fresh, DAY_KEY, "\n".join(lines(events[:20])))
    put(fresh, redelivered, "\n".join(lines(events[15:])))

    outcome = stage_events(fresh)

    assert outcome.staged == 30
    assert [(key, line, reason) for key, line, _, reason in outcome.quarantine] == [
        (DAY_KEY, n + 1, f"duplicate: the same event as {redelivered} line {n - 14}") for n in range(15, 20)
    ]
    assert outcome.balance == (2, 35, 30, 5, 0, None)


def test_a_repeat_the_server_converts_is_the_copy_quarantined_even_before_the_staged_one(fresh):
    # The reader stages the records it can type as they are; one written with a number as
    # text is converted by the server afterwards, so the reader's copy stands.
    events = good_events()
    converted = {**events[4], "sessionId": str(events[4]["sessionId"])}
    put(fresh, DAY_KEY, "\n".join(lines([converted, *events])))

    outcome = stage_events(fresh)

    assert outcome.staged == 30
    assert [(line, reason) for _, line, _, reason in outcome.quarantine] == [(1, f"duplicate: the same event as {DAY_KEY} line 6")]
    assert outcome.balance == (1, 31, 30, 1, 0, None)


def test_a_repeat_without_its_user_is_staged_like_any_record_with_an_unknown_key(fresh):
    # A key with a null matches nothing (SQL's rule): the reader's own check would call
    # it a repeat, so it passes the line on and the server compares the fields.
    no_user = {k: v for k, v in event(ms(H, 50), "7", itemInSession=50).items() if k != "userId"}
    put(fresh, DAY_KEY, "\n".join(lines([*good_events(), no_user, no_user])))

    outcome = stage_events(fresh)

    assert outcome.staged == 32 and outcome.quarantine == []


def test_two_records_on_one_line_are_one_bad_line_and_the_lines_after_keep_their_numbers(fresh):
    events = good_events()
    joined = [f"{json.dumps(events[1])},{json.dumps(events[2])}", f"{json.dumps(events[3])} {json.dumps(events[4])}"]
    put(fresh, DAY_KEY, "\n".join([json.dumps(events[0]), *joined, *lines(events[5:])]))

    outcome = stage_events(fresh)

    assert outcome.staged == 26
    assert [line for _, line, _, _ in outcome.quarantine] == [2, 3]
    assert all(reason.startswith("not JSON") for *_, reason in outcome.quarantine)
    assert rows(fresh, "select source_line from staging_events where item_in_session = 29") == [(28,)]


def test_an_escaped_nul_in_a_value_is_quarantined_and_the_rest_staged(fresh):
    bad = json.dumps(event(ms(H, 45), "7", itemInSession=45, firstName="A\x00na"))
    assert "\\u0000" in bad
    put(fresh, DAY_KEY, "\n".join([*lines(good_events()), bad]))

    outcome = stage_events(fresh)

    assert outcome.staged == 30
    assert [(line, reason.split(":")[0]) for _, line, _, reason in outcome.quarantine] == [(31, "not text")]


def test_a_field_that_appears_midway_is_reported_and_every_record_staged(fresh):
    events = good_events()
    drifted = [*events[:20], *({**e, "mood": "happy"} for e in events[20:])]
    put(fresh, DAY_KEY, "\n".join(lines(drifted)))

    outcome = stage_events(fresh)

    assert outcome.staged == 30 and outcome.quarantine == []
    assert outcome.balance == (1, 30, 30, 0, 0, "mood")


def test_the_server_alone_stages_quarantines_and_balances_as_with_the_compiled_reader(fresh, monkeypatch, caplog):
    # Where the compiled reader (native/event_lines) is not installed, every line goes to the server's parse.
    events = good_events(8)
    not_utf8 = json.dumps(event(ms(H, 45), "7", itemInSession=45, artist="Beyonc\u00e9")).encode().replace(b"\\u00e9", b"\xe9")
    body = [
        *lines(events[:3]),
        '{"ts": 1542276000000, "page": NextSong}',
        json.dumps({**events[3], "ts": "soon"}),
        json.dumps({**events[4], "ts": str(events[4]["ts"])}),  # converts
        *lines(events[5:]),
        json.dumps(events[1]),
        json.dumps(event(ms(H, 90), "7", itemInSession=90)),  # the next hour's
    ]
    put(fresh, DAY_KEY, "\n".join(body).encode() + b"\n" + not_utf8)

    outcomes = {}
    for reader in ("compiled", "server"):
        monkeypatch.setenv("SPARKIFY_EVENT_READER", reader)
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="sparkify.warehouse.event_reader"):
            outcome = stage_events(fresh)
        outcomes[reader] = (snapshot(fresh, "staging_events"), outcome.quarantine, outcome.balance)
        assert ("The server parses every line" in caplog.text) == (reader == "server")

    assert outcomes["server"] == outcomes["compiled"]
    staged, quarantine, balance = outcomes["server"]
    assert len(staged) == 7
    assert [(line, reason.split(":")[0]) for _, line, _, reason in quarantine] == [
        (4, "not JSON"), (5, "wrong type"), (10, "duplicate"), (12, "not UTF-8 text"),
    ]  # fmt: skip
    assert balance == (1, 12, 7, 4, 1, None)


# --- song objects -----------------------------------------------------------------


def stage_songs(stack) -> tuple[int, list[tuple], list[tuple]]:
    StageSongsOperator(task_id="stage_songs", bucket=BUCKET, prefix="song_data/").execute(context_for(H))
    quarantine = rows(stack, "select source_key, source_line, reason from quarantine where stage = 'songs' order by 1")
    balance = rows(
        stack,
        "select objects_read, records_read, staged, quarantined from stage_reconciliation where stage = 'songs'",
    )
    return rows(stack, "select count(*) from staging_songs")[0][0], quarantine, balance


def test_song_objects_with_numbers_where_strings_belong_are_staged_as_text(fresh):
    # The real catalogue has titles and artist names that are JSON numbers.
    put_songs(fresh, [song("SOAAA", title=1999, artist_name=3.5, artist_location=12)])

    staged, quarantine, balance = stage_songs(fresh)

    assert (staged, quarantine, balance) == (1, [], [(1, 1, 1, 0)])
    assert rows(fresh, "select title, artist_name, artist_location from staging_songs") == [("1999", "3.5", "12")]


def test_a_song_without_song_id_is_quarantined_and_not_read_again(fresh):
    put_songs(fresh, [song("SOAAA"), song("SOBBB")])
    put(fresh, "song_data/A/B/C/TRNOID.json", json.dumps({k: v for k, v in song("SOCCC").items() if k != "song_id"}))
    put(fresh, "song_data/A/B/C/TRBROKEN.json", '{"song_id": "SODDD", "title": ')

    staged, quarantine, balance = stage_songs(fresh)

    assert staged == 2
    assert quarantine == [
        ("song_data/A/B/C/TRBROKEN.json", 1, "not JSON: invalid input syntax for type json: The input string ended unexpectedly."),
        ("song_data/A/B/C/TRNOID.json", 1, "no song_id: a song cannot be staged without its id"),
    ]
    assert balance == [(4, 4, 2, 2)]
    # Unchanged objects are not read again: the next hour adds nothing.
    StageSongsOperator(task_id="stage_songs", bucket=BUCKET, prefix="song_data/").execute(context_for(H + HOUR))
    assert rows(fresh, "select count(*) from quarantine") == [(2,)]


# --- sources that cannot be reached: one clear line, no retries --------------------


def test_a_missing_bucket_fails_at_once_naming_it_and_the_connection(fresh):
    with pytest.raises(AirflowFailException) as failure:
        StageEventsOperator(task_id="stage_events", bucket="no-such-bucket", prefix=DAY_PREFIX).execute(context_for(H))

    assert str(failure.value) == "S3 through connection 'aws_default': bucket 'no-such-bucket' does not exist (NoSuchBucket)"


@pytest.fixture
def s3_checking_credentials(stack, monkeypatch):
    """A second moto server that checks access keys, behind the aws_default connection."""
    port = free_port()
    log_path = stack.log_dir / "moto-checking-keys.log"
    log = open(log_path, "ab")
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("moto_server")), "-H", "127.0.0.1", "-p", str(port)],
        env={**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": "0"},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for_port(port, "moto server checking keys", log_path)
        monkeypatch.setenv(
            "AIRFLOW_CONN_AWS_DEFAULT",
            json.dumps({"conn_type": "aws", "extra": {"endpoint_url": f"http://127.0.0.1:{port}", "region_name": "us-west-2"}}),
        )
        yield
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


def test_bad_credentials_fail_at_once_naming_the_connection(fresh, s3_checking_credentials):
    with pytest.raises(AirflowFailException) as failure:
        StageEventsOperator(task_id="stage_events", bucket=BUCKET, prefix=DAY_PREFIX).execute(context_for(H))

    assert str(failure.value) == "S3 through connection 'aws_default': the access key is not known to S3 (InvalidAccessKeyId)"


def test_an_unreachable_warehouse_fails_at_once_naming_the_connection(fresh, monkeypatch):
    nobody = free_port()
    monkeypatch.setenv(
        "AIRFLOW_CONN_SPARKIFY_WAREHOUSE",
        json.dumps({"conn_type": "postgres", "host": "127.0.0.1", "port": nobody, "login": "postgres", "schema": "sparkify"}),
    )

    with pytest.raises(AirflowFailException) as failure:
        CreateTablesOperator(task_id="create_tables").execute({})

    assert str(failure.value).startswith("warehouse connection 'sparkify_warehouse': cannot connect (connection failed: ")
    assert f"port {nobody} failed: Connection refused" in str(failure.value)
    assert "\n" not in str(failure.value)
