"""The PostgreSQL backend's event reader on its own: which lines it stages, counts or
passes on to the server, and the numbers it gives them; the compiled parser it loads,
and the reader that passes every line on where that parser is not installed. (What the
server then does with the lines passed on is in test_bad_input.py, through the real stage
operator.)"""

from __future__ import annotations

import hashlib
import io
import json
import os
import struct
import subprocess
import sys
import sysconfig
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sparkify_event_lines
from helpers import HOUR, TEST_HOUR, event, ms

from sparkify.warehouse.base import HourWindow
from sparkify.warehouse.event_reader import BOM, EVENT_FIELDS, READER_VARIABLE, EventReader

H = TEST_HOUR
PROJECT = Path(__file__).resolve().parents[3]
# How binary COPY writes each column's value: the event's fields, then batch_hour,
# source_key and source_line.
_PG_EPOCH = datetime(2000, 1, 1)
_DECODE = {
    "text": bytes.decode,
    "int4": lambda raw: struct.unpack(">i", raw)[0],
    "float8": lambda raw: struct.unpack(">d", raw)[0],
    "timestamp": lambda raw: _PG_EPOCH + timedelta(microseconds=struct.unpack(">q", raw)[0]),
}
_COLUMNS = [*("timestamp" if kind == "epoch_ms" else kind for _, kind, _ in EVENT_FIELDS), "timestamp", "text", "int4"]


def copy_rows(data: bytes) -> list[tuple]:
    """The rows of binary COPY ``data`` (no header), as the server reads them."""
    rows, at = [], 0
    while at < len(data):
        (count,) = struct.unpack_from(">h", data, at)
        assert count == len(_COLUMNS)
        at += 2
        row = []
        for column in _COLUMNS:
            (size,) = struct.unpack_from(">i", data, at)
            at += 4
            row.append(None if size < 0 else _DECODE[column](data[at : at + size]))
            at += max(size, 0)
        rows.append(tuple(row))
    return rows


def read(data: bytes, chunk: int = 1 << 20, which: str | None = None) -> tuple[EventReader, list[tuple], list[tuple[int, bytes]]]:
    """The reader (``which``: compiled or server) after reading ``data`` in chunks of
    ``chunk`` bytes; its rows; the lines passed on."""
    passed_on = io.BytesIO()
    reader = EventReader(HourWindow(H, H + HOUR), passed_on, reader=which)
    chunks = (data[at : at + chunk] for at in range(0, len(data), chunk))
    rows = [row for block in reader.blocks("log.json", chunks) for row in copy_rows(block)]
    numbered = [line.split(b"\t", 1) for line in passed_on.getvalue().splitlines()]
    return reader, rows, [(int(number), text) for number, text in numbered]


def ndjson(events: list[dict | str], end: str = "\n") -> bytes:
    return end.join(e if isinstance(e, str) else json.dumps(e) for e in events).encode()


def plays(count: int) -> list[dict]:
    return [event(ms(H, n), "7", itemInSession=n) for n in range(count)]


def test_each_row_holds_the_record_its_hour_and_its_line_in_the_staging_columns_order():
    reader, rows, passed_on = read(ndjson(plays(3)))

    assert passed_on == [] and reader.staged == 3 and reader.lines == 3
    first = plays(1)[0]
    assert rows[0] == (
        first["artist"], first["auth"], first["firstName"], first["gender"], 0, first["lastName"], first["length"],
        first["level"], first["location"], first["method"], first["page"], first["registration"], first["sessionId"],
        first["song"], first["status"], H.replace(tzinfo=None), first["userAgent"], first["userId"],
        H.replace(tzinfo=None), "log.json", 1,
    )  # fmt: skip


# Chunks of 1 and 2 bytes split the byte order mark.
@pytest.mark.parametrize("chunk", [1, 2, 7, 64, 1 << 20])
def test_lines_are_numbered_across_chunks_blank_lines_and_crlf_as_the_server_numbers_them(chunk):
    events = plays(6)
    data = b"\xef\xbb\xbf" + ndjson([events[0], "", events[1], "   ", *events[2:]], end="\r\n")

    reader, rows, passed_on = read(data, chunk)

    assert [row[-1] for row in rows] == [1, 3, 5, 6, 7, 8]
    assert passed_on == [] and reader.lines == 8


def test_a_staged_row_numbers_its_line_in_its_object_and_a_passed_on_line_across_the_objects():
    events = plays(4)
    passed_on = io.BytesIO()
    reader = EventReader(HourWindow(H, H + HOUR), passed_on)

    rows = [
        row
        for key, lines in (("a.json", [events[0], "not json", events[1]]), ("b.json", [events[2], events[3], "not json"]))
        for block in reader.blocks(key, [ndjson(lines)])
        for row in copy_rows(block)
    ]

    assert [row[-2:] for row in rows] == [("a.json", 1), ("a.json", 3), ("b.json", 1), ("b.json", 2)]
    # raw_lines numbers lines across the objects; the server places each in its object.
    assert [line.split(b"\t")[0] for line in passed_on.getvalue().splitlines()] == [b"2", b"6"]


def test_other_hours_of_the_day_are_counted_and_lines_without_a_place_passed_on():
    later = event(ms(H, 90), "7", itemInSession=90)
    no_ts = {k: v for k, v in event(0, "7", itemInSession=91).items() if k != "ts"}
    tomorrow = event(ms(H, 24 * 60), "7", itemInSession=92)

    reader, rows, passed_on = read(ndjson([*plays(2), later, no_ts, tomorrow]))

    assert (reader.staged, reader.other_hours) == (2, 1)
    assert [number for number, _ in passed_on] == [4, 5]


def test_lines_the_reader_cannot_type_as_they_are_reach_the_server_whole_with_their_numbers():
    events = plays(6)
    as_text = {**events[1], "ts": str(events[1]["ts"])}
    too_big = {**events[2], "sessionId": 2**31}
    two_on_a_line = f"{json.dumps(events[3])},{json.dumps(events[4])}"
    data = ndjson([events[0], as_text, too_big, two_on_a_line, "not json\tat all", events[5]])

    reader, rows, passed_on = read(data)

    assert [row[-1] for row in rows] == [1, 6]
    assert passed_on == [
        (2, json.dumps(as_text).encode()),
        (3, json.dumps(too_big).encode()),
        (4, two_on_a_line.encode()),
        (5, b"not json\\tat all"),  # escaped for COPY's text format
    ]


def test_a_repeat_is_passed_on_for_the_server_to_compare():
    events = plays(3)

    reader, rows, passed_on = read(ndjson([*events, events[1]]))

    assert reader.staged == 3 and [number for number, _ in passed_on] == [4]


def test_bytes_that_are_not_utf8_are_passed_on_escaped_with_their_defect():
    bad = json.dumps(plays(2)[1]).encode().replace(b"Ana", b"An\xe1")

    reader, rows, passed_on = read(ndjson(plays(1)) + b"\n" + bad)

    assert reader.defects == [(2, f"not UTF-8 text: byte 0xe1 at column {bad.index(b'An') + 3}")]
    assert passed_on == [(2, bad.replace(b"\xe1", b"\\\\xe1"))]


def test_new_fields_are_found_on_any_line_and_their_records_staged():
    events = plays(4)
    drifted = [events[0], {**events[1], "mood": "calm"}, events[2], {**events[3], "device": {"kind": "phone"}}]

    reader, rows, passed_on = read(ndjson(drifted))

    assert reader.staged == 4 and passed_on == []
    assert reader.new_fields == ["device", "mood"]


def test_escapes_become_the_text_they_stand_for():
    texts = ["Sigur Rós", "tab\there", 'a "quote" and a \\ backslash', "new\nline", "😀 outside the BMP", "\u2028"]
    events = [event(ms(H, n), "7", itemInSession=n, artist=text) for n, text in enumerate(texts)]

    for ensure_ascii in (True, False):
        data = "\n".join(json.dumps(e, ensure_ascii=ensure_ascii) for e in events).encode()
        reader, rows, passed_on = read(data)

        assert [row[0] for row in rows] == texts and passed_on == []


def test_values_the_server_must_judge_are_passed_on_not_guessed():
    events = plays(9)
    with_nul = json.dumps({**events[1], "firstName": "A\x00na"})  # the escape \u0000
    lone_surrogate = json.dumps(events[2]).replace('"Ana"', '"A\\ud800na"')
    underflow = json.dumps(events[3]).replace(str(events[3]["length"]), "1e-400")
    repeated_key = json.dumps(events[4])[:-1] + ', "artist": "another"}'
    too_long = json.dumps({**events[5], "userId": "é" * 33})
    just_fits = json.dumps({**events[6], "userId": "é" * 32})
    exponent = json.dumps(events[7]).replace(str(events[7]["length"]), "2.5e2")
    data = ndjson([events[0], with_nul, lone_surrogate, underflow, repeated_key, too_long, just_fits, exponent, events[8]])

    reader, rows, passed_on = read(data)

    assert [row[-1] for row in rows] == [1, 7, 8, 9] and [number for number, _ in passed_on] == [2, 3, 4, 5, 6]
    assert rows[1][17] == "é" * 32 and rows[2][6] == 250.0
    assert reader.defects == []


def test_whole_milliseconds_become_the_exact_timestamp():
    epoch = datetime(1970, 1, 1)
    day = round(datetime(2018, 11, 15, tzinfo=timezone.utc).timestamp() * 1000)
    # Every millisecond of a few seconds, then a stride across the years the logs may hold.
    samples = [*range(day, day + 5_000), *range(-(10**12), 4 * 10**12, 999_999_937)]
    for ts in samples:
        window_start = epoch + timedelta(milliseconds=ts)
        hour = window_start.replace(minute=0, second=0, microsecond=0, tzinfo=timezone.utc)
        passed_on = io.BytesIO()
        reader = EventReader(HourWindow(hour, hour + HOUR), passed_on)
        [block] = reader.blocks("log.json", [json.dumps({"ts": ts}).encode()])
        assert copy_rows(block)[0][15] == window_start, ts


def test_the_parser_is_the_extension_pip_built_into_the_environment():
    built = Path(sparkify_event_lines.load_parser()._name)

    assert built == Path(sparkify_event_lines.EXTENSION_PATH)
    assert built.parent == Path(sysconfig.get_paths()["platlib"], "sparkify_event_lines")
    assert Path(sys.prefix) in built.parents and ".cache" not in built.parts


def test_the_installed_parser_is_built_from_the_c_in_the_checkout():
    from sparkify_event_lines import _event_lines

    sources = PROJECT / "native" / "event_lines" / "src"
    digest = hashlib.sha256(b"".join((sources / name).read_bytes() for name in ("event_lines.c", "module.c"))).hexdigest()

    assert _event_lines.SOURCE_SHA256 == digest, "the C changed since it was installed: pip install ./native/event_lines"


def test_the_server_reader_passes_every_line_that_is_not_blank_on_with_its_number():
    events = plays(3)
    later = event(ms(H, 90), "7", itemInSession=90)
    drifted = {**events[1], "mood": "calm"}
    not_utf8 = json.dumps(events[2]).encode().replace(b"Ana", b"An\xe1")
    data = BOM + ndjson([events[0], "", "not json\tat all", "  ", drifted, later], end="\r\n") + b"\r\n" + not_utf8

    reader, rows, passed_on = read(data, chunk=7, which="server")

    assert rows == [] and reader.staged == 0 and reader.other_hours == 0 and reader.new_fields == []
    assert passed_on == [
        (1, json.dumps(events[0]).encode() + b"\\r"),  # escaped for COPY's text format, as the compiled reader passes lines on
        (3, b"not json\\tat all\\r"),
        (5, json.dumps(drifted).encode() + b"\\r"),
        (6, json.dumps(later).encode() + b"\\r"),
        (7, not_utf8.replace(b"\xe1", b"\\\\xe1")),
    ]
    assert reader.defects == [(7, f"not UTF-8 text: byte 0xe1 at column {not_utf8.index(b'An') + 3}")]
    assert (reader.lines, reader.passed_on_lines) == (7, 5)


def test_the_environment_chooses_the_reader(monkeypatch):
    monkeypatch.setenv(READER_VARIABLE, "server")
    assert EventReader(HourWindow(H, H + HOUR), io.BytesIO()).reader == "server"
    assert EventReader(HourWindow(H, H + HOUR), io.BytesIO(), reader="compiled").reader == "compiled"

    monkeypatch.setenv(READER_VARIABLE, "python")
    with pytest.raises(ValueError, match="SPARKIFY_EVENT_READER='python': the event reader is one of compiled, server"):
        EventReader(HourWindow(H, H + HOUR), io.BytesIO())


def test_without_the_compiled_parser_installed_the_server_parses_every_line_and_a_stage_run_says_so():
    # A fresh interpreter in which the package cannot be imported, as on a worker that installs requirements.txt only.
    script = """
import io, logging, sys
from datetime import datetime, timedelta, timezone
sys.modules["sparkify_event_lines"] = None
from sparkify.warehouse.base import HourWindow
from sparkify.warehouse.event_reader import EventReader
handler = logging.StreamHandler(sys.stdout)
handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
logging.getLogger("sparkify").addHandler(handler)
logging.getLogger("sparkify").setLevel(logging.INFO)
logging.getLogger("sparkify").propagate = False
hour = datetime(2018, 11, 15, 10, tzinfo=timezone.utc)
passed_on = io.BytesIO()
reader = EventReader(HourWindow(hour, hour + timedelta(hours=1)), passed_on)
rows = list(reader.blocks("log.json", [b'{"ts": 1}\\n\\n{"ts": 2}']))
print(reader.reader, rows, passed_on.getvalue())
"""
    env = {**os.environ, "PYTHONPATH": str(PROJECT / "plugins")}
    env.pop(READER_VARIABLE, None)

    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "INFO The compiled event reader is not installed: the server parses every line (pip install ./native/event_lines installs it)",
        "server [] b'1\\t{\"ts\": 1}\\n3\\t{\"ts\": 2}\\n'",
    ]
