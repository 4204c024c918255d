"""Fuzzes the event reader's compiled parser (src/event_lines.c) through the reader that
calls it, ``sparkify.warehouse.event_reader.EventReader``, for one fixed hour.

Each input is two bytes giving the chunk size (1 to 65,536) and the bytes of one log
object, read in chunks of that size as S3's body is. After reading, every invariant of
the reader's contract is checked against Python's own reading of the same lines:

- every line is counted exactly once: staged + passed on + other hours + blank = lines;
- every line passed on has a number in range, once, and its text is the input line
  (escaped for COPY's text format; a line that is not UTF-8 text has its defect recorded
  and arrives in its escaped form), and a line passed on as text is UTF-8 text;
- every staged row (binary COPY, decoded here) holds the values ``json.loads`` reads from
  its line for the typed fields, its ts inside the hour, its object and line; and the
  record's other keys are among the reader's new fields;
- no two staged rows share (sessionId, itemInSession, userId, ts);
- no more records are left to other hours than lines that hold one.

A broken invariant raises :class:`InvariantError`, which the fuzzer reports with the input.

Run it with ``./sparkify fuzz [--seconds 60]``, or directly (libFuzzer's flags, then the
folder new inputs go to, then folders of seeds)::

    .venv/bin/python native/event_lines/fuzz_event_lines.py --write-seeds /tmp/seeds
    .venv/bin/python native/event_lines/fuzz_event_lines.py -max_total_time=60 /tmp/corpus /tmp/seeds

The seeds (:func:`write_seeds`) are real lines of 2018-11-15's log object, when the
dataset is at ../shared/data/sparkify, and the cases of the bad-input catalogue
(tests/pipeline/warehouse/test_bad_input.py) as bytes.
"""

from __future__ import annotations

import io
import json
import re
import struct
import sys
import types
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
# The pipeline package, when this runs as a script (./sparkify puts it on PYTHONPATH too).
if str(PROJECT / "plugins") not in sys.path:
    sys.path.insert(0, str(PROJECT / "plugins"))

import atheris  # noqa: E402

from sparkify.warehouse.base import HourWindow  # noqa: E402
from sparkify.warehouse.event_reader import BOM, EVENT_FIELDS, EventReader, text_defect  # noqa: E402

HOUR = datetime(2018, 11, 15, 10, tzinfo=timezone.utc)
WINDOW = HourWindow(HOUR, HOUR + timedelta(hours=1))
DAY_START_MS = round(HOUR.replace(hour=0).timestamp() * 1000)
DAY_END_MS = DAY_START_MS + 86_400_000
HOUR_START_MS = round(HOUR.timestamp() * 1000)
HOUR_END_MS = HOUR_START_MS + 3_600_000
KEY = "log_data/2018/11/2018-11-15-events.json"
REAL_OBJECT = PROJECT.parent / "shared" / "data" / "sparkify" / KEY
# PostgreSQL's epoch, 2000-01-01, in milliseconds since the Unix epoch.
PG_EPOCH_MS = 946_684_800_000
FIELD_NAMES = [key for key, _, _ in EVENT_FIELDS]
_COLUMNS = [*(kind for _, kind, _ in EVENT_FIELDS), "epoch_us", "text", "int4"]
_COPY_UNESCAPES = {b"\\\\": b"\\", b"\\t": b"\t", b"\\r": b"\r"}

# Every record's typed fields hold numbers as Python reads them: no cap on an integer's digits.
sys.set_int_max_str_digits(0)


class InvariantError(AssertionError):
    """The reader broke its contract on an input."""


@dataclass
class Outcome:
    """What the reader made of one object."""

    lines: int
    staged: int
    rows: list[tuple]
    passed_on: list[tuple[int, bytes]]  # (line number, the text as the server reads it)
    defects: list[tuple[int, str]]
    other_hours: int
    new_fields: list[str]


def split_input(data: bytes) -> tuple[int, bytes]:
    """The chunk size and the object's bytes of a fuzzer input."""
    return int.from_bytes(data[:2].ljust(2, b"\0"), "big") + 1, data[2:]


def make_input(body: bytes, chunk: int = 1 << 16) -> bytes:
    """A fuzzer input holding ``body``, to be read ``chunk`` bytes at a time."""
    return (chunk - 1).to_bytes(2, "big") + body


def object_lines(body: bytes) -> list[bytes]:
    """The object's lines as the server numbers them: after a byte order mark, split at
    newlines; a last line without its newline is a line."""
    body = body.removeprefix(BOM)
    if not body:
        return []
    return body.removesuffix(b"\n").split(b"\n")


def copy_rows(data: bytes) -> list[tuple]:
    """The rows of binary COPY ``data`` (no header): the event's fields, then batch_hour,
    source_key and source_line; timestamps as microseconds since 2000-01-01."""
    rows, at = [], 0
    while at < len(data):
        (count,) = struct.unpack_from(">h", data, at)
        if count != len(_COLUMNS):
            raise InvariantError(f"a staged row of {count} columns, not {len(_COLUMNS)}")
        at += 2
        row = []
        for column in _COLUMNS:
            (size,) = struct.unpack_from(">i", data, at)
            at += 4
            raw = data[at : at + max(size, 0)]
            at += max(size, 0)
            if size < 0:
                row.append(None)
            elif column == "text":
                try:
                    row.append(raw.decode("utf-8"))
                except UnicodeDecodeError as error:
                    raise InvariantError(f"a staged text value is not UTF-8: {raw!r}") from error
            else:
                fmt = {"int4": ">i", "float8": ">d", "epoch_ms": ">q", "epoch_us": ">q"}[column]
                if size != struct.calcsize(fmt):
                    raise InvariantError(f"a staged {column} of {size} bytes")
                row.append(struct.unpack(fmt, raw)[0])
        rows.append(tuple(row))
    if at != len(data):
        raise InvariantError("the staged rows end inside a value")
    return rows


def copy_text(escaped: bytes) -> bytes:
    """One column of COPY's text format as the server reads it."""
    return re.sub(rb"\\[\\tr]", lambda match: _COPY_UNESCAPES[match.group()], escaped)


def read_object(body: bytes, chunk: int) -> Outcome:
    """The compiled reader's outcome for one object read ``chunk`` bytes at a time."""
    passed_on = io.BytesIO()
    reader = EventReader(WINDOW, passed_on, reader="compiled")
    chunks = (body[at : at + chunk] for at in range(0, len(body), chunk))
    rows = [row for block in reader.blocks(KEY, chunks) for row in copy_rows(block)]
    passed = []
    for row in passed_on.getvalue().split(b"\n")[:-1]:
        number, tab, text = row.partition(b"\t")
        if not tab or b"\t" in text or b"\r" in text:
            raise InvariantError(f"a passed-on row that is not two COPY text columns: {row!r}")
        passed.append((int(number), copy_text(text)))
    return Outcome(reader.lines, reader.staged, rows, passed, reader.defects, reader.other_hours, reader.new_fields)


def _json_object(line: bytes) -> dict | None:
    """The JSON object on the line as Python reads it, or None."""
    try:
        record = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    return record if isinstance(record, dict) else None


def _same_value(kind: str, staged, read) -> bool:
    if read is None:
        return staged is None
    if kind == "text":
        return isinstance(read, str) and staged == read
    if kind == "int4":
        return type(read) is int and staged == read
    if kind == "float8":
        try:
            return type(read) in (int, float) and staged == float(read)
        except OverflowError:
            return False
    # epoch_ms: whole milliseconds since the Unix epoch, staged as microseconds since PostgreSQL's.
    return type(read) is int and staged == (read - PG_EPOCH_MS) * 1000


def check_staged_row(line: bytes, row: tuple, new_fields: list[str]) -> None:
    """A staged row holds what ``json.loads`` reads from its line, in the hour."""
    record = _json_object(line)
    if record is None:
        raise InvariantError(f"line {row[-1]} was staged but is not a JSON object to Python: {line!r}")
    for (key, kind, most), staged in zip(EVENT_FIELDS, row):
        if not _same_value(kind, staged, record.get(key)):
            raise InvariantError(f"line {row[-1]}: {key} staged as {staged!r}, but the line holds {record.get(key)!r}")
        if kind == "text" and most and staged is not None and len(staged) > most:
            raise InvariantError(f"line {row[-1]}: {key} staged with {len(staged)} characters, more than {most}")
    ts = record.get("ts")
    if not (type(ts) is int and HOUR_START_MS <= ts < HOUR_END_MS):
        raise InvariantError(f"line {row[-1]} was staged with ts {ts!r}, outside the hour")
    if row[-3:] != ((HOUR_START_MS - PG_EPOCH_MS) * 1000, KEY, row[-1]):
        raise InvariantError(f"line {row[-1]}: batch hour and object {row[-3:-1]!r}, not the run's")
    unknown = sorted(set(record) - set(FIELD_NAMES) - set(new_fields))
    if unknown:
        raise InvariantError(f"line {row[-1]} holds {unknown}, which the reader's new fields {new_fields} lack")


def check_outcome(lines: list[bytes], outcome: Outcome) -> None:
    """Every invariant of the reader's contract, for the object of ``lines``."""
    if outcome.lines != len(lines):
        raise InvariantError(f"the reader read {outcome.lines} lines of {len(lines)}")
    if outcome.staged != len(outcome.rows):
        raise InvariantError(f"the reader counts {outcome.staged} rows staged and wrote {len(outcome.rows)}")
    blank = {number for number, line in enumerate(lines, 1) if not line.strip()}
    staged = [row[-1] for row in outcome.rows]
    passed = [number for number, _ in outcome.passed_on]
    placed = {*staged, *passed}
    if len(placed) != len(staged) + len(passed):
        raise InvariantError(f"a line was staged or passed on twice: staged {staged}, passed on {passed}")
    outside = sorted(number for number in placed if not 1 <= number <= len(lines) or number in blank)
    if outside:
        raise InvariantError(f"lines {outside} were staged or passed on, but are blank or not lines of the object")
    if len(staged) + len(passed) + outcome.other_hours + len(blank) != len(lines):
        raise InvariantError(
            f"staged {len(staged)} + passed on {len(passed)} + other hours {outcome.other_hours} + blank {len(blank)} "
            f"!= {len(lines)} lines"
        )
    defects = dict(outcome.defects)
    if len(defects) != len(outcome.defects) or not set(defects) <= set(passed):
        raise InvariantError(f"defects {outcome.defects} of lines not passed on once")
    for number, text in outcome.passed_on:
        line = lines[number - 1]
        defect = text_defect(line)
        if defects.get(number) != defect:
            raise InvariantError(f"line {number}: defect {defects.get(number)!r}, but it is {defect!r}")
        expected = line if defect is None else line.decode("utf-8", "backslashreplace").replace("\x00", "\\x00").encode()
        if text != expected:
            raise InvariantError(f"line {number} was passed on as {text!r}, not as {expected!r}")
    for row in outcome.rows:
        check_staged_row(lines[row[-1] - 1], row, outcome.new_fields)
    key_columns = [FIELD_NAMES.index(field) for field in ("sessionId", "itemInSession", "userId", "ts")]
    keys = [tuple(row[column] for column in key_columns) for row in outcome.rows]
    if len(set(keys)) != len(keys):
        raise InvariantError(f"two staged rows share (sessionId, itemInSession, userId, ts): {sorted(keys)}")
    others = 0
    for number, line in enumerate(lines, 1):
        record = _json_object(line) if number not in placed and number not in blank else None
        ts = record.get("ts") if record else None
        others += type(ts) is int and DAY_START_MS <= ts < DAY_END_MS and not HOUR_START_MS <= ts < HOUR_END_MS
    if outcome.other_hours > others:
        raise InvariantError(f"{outcome.other_hours} records left to other hours, but {others} lines hold one")


def test_one_input(data: bytes) -> None:
    chunk, body = split_input(data)
    check_outcome(object_lines(body), read_object(body, chunk))


# --- seeds -----------------------------------------------------------------------

_TEMPLATE = {
    "artist": "Harmonia", "auth": "Logged In", "firstName": "Ryan", "gender": "M", "itemInSession": 0,
    "lastName": "Smith", "length": 655.77751, "level": "free", "location": "San Jose-Sunnyvale-Santa Clara, CA",
    "method": "PUT", "page": "NextSong", "registration": 1541016707796.0, "sessionId": 583, "song": "Sehr kosmisch",
    "status": 200, "ts": HOUR_START_MS + 1_000,
    "userAgent": '"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/36.0.1985.125"',
    "userId": "26",
}  # fmt: skip


def _event(n: int, **fields) -> dict:
    """A play inside the hour, one a minute, as the real logs write them."""
    return {**_TEMPLATE, "itemInSession": n, "ts": HOUR_START_MS + n * 60_000, **fields}


def _lines(*records) -> list[bytes]:
    return [r if isinstance(r, bytes) else r.encode() if isinstance(r, str) else json.dumps(r).encode() for r in records]


def seed_objects() -> dict[str, bytes]:
    """Log objects to start from, by name: real lines, then the bad-input catalogue's cases."""
    seeds: dict[str, bytes] = {}
    if REAL_OBJECT.is_file():
        real = REAL_OBJECT.read_bytes().splitlines()
        in_hour = [line for line in real if HOUR_START_MS <= json.loads(line)["ts"] < HOUR_END_MS]
        seeds["real-hour"] = b"\n".join(in_hour[:12])
        seeds["real-hour-crlf"] = b"\r\n".join(in_hour[12:20]) + b"\r\n"
        seeds["real-day-start"] = b"\n".join(real[:10])
        seeds["real-day-end"] = b"\n".join(real[-10:]) + b"\n"
        at = real.index(in_hour[-1])
        seeds["real-hour-end"] = b"\n".join(real[at - 5 : at + 5])
    good = [_event(n) for n in range(6)]
    cases = {
        "good": _lines(*good),
        "malformed": _lines(*good[:3], '{"ts": %d, "page": NextSong}' % HOUR_START_MS, *good[3:]),
        "truncated": _lines(*good[:5], json.dumps(good[5])[: json.dumps(good[5]).index(', "ts"')]),
        "csv": _lines("ts,userId,page", f"{HOUR_START_MS},7,NextSong", f"{HOUR_START_MS + 60_000},8,Home"),
        "not-utf8": _lines(*good[:3], json.dumps(_event(45, artist="Beyonc\u00e9")).encode().replace(b"\\u00e9", b"\xe9")),
        "nul": _lines(*good[:3], json.dumps(_event(45)).replace('"Ryan"', '"Ry\x00an"')),
        "escaped-nul": _lines(*good[:3], json.dumps(_event(45, firstName="Ry\x00an"))),
        "ts-text": _lines(_event(0, ts="soon"), *good[1:]),
        "ts-numeric-string": _lines(_event(0, ts=str(HOUR_START_MS)), *good[1:]),
        "user-number": _lines(_event(0, userId=42), *good[1:]),
        "length-text": _lines(_event(0, length="long"), *good[1:]),
        "no-ts": _lines({k: v for k, v in _event(9).items() if k != "ts"}, *good),
        "no-user": _lines(*good, {k: v for k, v in _event(9).items() if k != "userId"}) * 2,
        "unknown-fields": _lines(*({**e, "mood": "happy", "device": {"kind": ["phone", 1, None, True]}} for e in good)),
        "other-day": _lines(*good, _event(24 * 60 + 7)),
        "other-hour": _lines(*good, *(_event(60 + n) for n in range(3)), _event(-30)),
        "duplicates": _lines(*good, good[4], good[0]),
        "two-on-a-line": [b",".join(_lines(*good[:2])), b" ".join(_lines(*good[2:4]))],
        "escapes": _lines(*(_event(n, artist=t) for n, t in enumerate(["Sigur R\u00f3s", "tab\there", 'a "q" \\', "\U0001f600", "\u2028"]))),
        "raw-utf8": [json.dumps(_event(n, artist=t), ensure_ascii=False).encode() for n, t in enumerate(["Sigur R\u00f3s", "\U0001f600"])],
        "lone-surrogate": _lines(json.dumps(_event(1)).replace('"Ryan"', '"R\\ud800yan"')),
        "numbers": _lines(
            json.dumps(_event(1)).replace("655.77751", "6.5577751e2"),
            json.dumps(_event(2)).replace("655.77751", "1e-400"),
            _event(3, sessionId=2**31), _event(4, sessionId=-(2**31)), _event(5, registration=0), _event(6, length=-0.0),
        ),
        "long-text": _lines(_event(1, userId="\u00e9" * 32), _event(2, userId="\u00e9" * 33), _event(3, gender="x" * 9)),
        "repeated-key": _lines(json.dumps(_event(1))[:-1] + ', "artist": "another"}'),
        "nulls": _lines(_event(1, artist=None, length=None, sessionId=None), {"ts": HOUR_START_MS}),
        "empty-object": _lines("{}", "[]", "null", "1", '""', " { } "),
    }
    for name, case in cases.items():
        seeds[name] = b"\n".join(case)
    seeds["bom"] = BOM + seeds["good"]
    seeds["crlf-blank"] = b"\r\n".join(cases["good"]) + b"\r\n\r\n\n"
    seeds["blank-lines"] = b"\n".join([cases["good"][0], b"", b"   ", b"\t\x0b\x0c", cases["good"][1]])
    seeds["empty"] = b""
    return seeds


def write_seeds(folder: Path) -> list[Path]:
    """The seed inputs in ``folder``, each object read whole and in small chunks (the
    catalogue's also two bytes at a time, which splits a byte order mark)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, body in seed_objects().items():
        for chunk in (1 << 16, 7) if name.startswith("real-") else (1 << 16, 7, 2):
            path = folder / f"{name}-{chunk}"
            path.write_bytes(make_input(body, chunk))
            written.append(path)
    return written


def main(argv: list[str]) -> None:
    # Python's coverage of the reader and of these checks guides the fuzzer (the C is not
    # instrumented unless built with clang's -fsanitize=fuzzer-no-link).
    import sparkify_event_lines
    from sparkify.warehouse import event_reader

    print(f"fuzzing the parser {sparkify_event_lines.EXTENSION_PATH}", file=sys.stderr)
    for module in (sys.modules[__name__], event_reader):
        for value in vars(module).values():
            for function in [value, *vars(value).values()] if isinstance(value, type) else [value]:
                if isinstance(function, types.FunctionType) and function.__module__ == module.__name__:
                    atheris.instrument_func(function)
    atheris.Setup(argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    if sys.argv[1:2] == ["--write-seeds"]:
        for seed in write_seeds(Path(sys.argv[2])):
            print(seed)
    else:
        main(sys.argv)
