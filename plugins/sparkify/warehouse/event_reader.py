"""Reads the lines of a run's event objects on the PostgreSQL backend and stages what it can
type as it is, so the server takes typed rows at COPY speed instead of parsing JSON on one core.

A line is staged here when it decodes to the staging types without conversion, its ts
falls in the run's hour and it repeats no record staged before it; a line of another hour
of the object's day is counted and left to that hour. Every other line (blank lines hold
nothing) is passed on whole with its number, and the server parses and places it exactly
as it parses every line on Redshift: the conversions JSON allows (a number written as a
string), the reason a line cannot be staged, records outside the day, and repeats.

The parse is C (event_lines.c beside this file), built with the C compiler on first use
and kept in the user's cache folder: in Python it cost 5 to 6 µs a record, which made the
reader, not the server's COPY, the stage step's critical path.
"""

from __future__ import annotations

import ctypes
import functools
import hashlib
import os
import platform
import subprocess
import tempfile
import weakref
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import IO

from sparkify.warehouse.base import HourWindow

# Value kinds, as event_lines.c numbers them. EPOCH_MS: whole milliseconds since the Unix
# epoch, a JSON integer staged as a timestamp.
TEXT, INT4, FLOAT8, EPOCH_MS = 0, 1, 2, 3

# The JSON keys of an event, their kinds and the most characters they may hold (0: any),
# in staging_events' column order (the record type event_record in sql/ddl/postgres/ has
# the same keys; lengths are the columns' varchar lengths). A value outside its kind's
# range is not staged here: the server then says what is wrong with it.
EVENT_FIELDS: tuple[tuple[str, int, int], ...] = (
    ("artist", TEXT, 0),
    ("auth", TEXT, 32),
    ("firstName", TEXT, 0),
    ("gender", TEXT, 8),
    ("itemInSession", INT4, 0),
    ("lastName", TEXT, 0),
    ("length", FLOAT8, 0),
    ("level", TEXT, 8),
    ("location", TEXT, 0),
    ("method", TEXT, 8),
    ("page", TEXT, 64),
    ("registration", FLOAT8, 0),
    ("sessionId", INT4, 0),
    ("song", TEXT, 0),
    ("status", INT4, 0),
    ("ts", EPOCH_MS, 0),
    ("userAgent", TEXT, 0),
    ("userId", TEXT, 32),
)
# The reader's rows are these columns, then batch_hour, source_key and source_line, in
# the order of sql/stage/postgres/copy_staged_events.sql, in binary COPY format.
COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
COPY_TRAILER = b"\xff\xff"
BOM = b"\xef\xbb\xbf"
# PostgreSQL's epoch, 2000-01-01, in milliseconds since the Unix epoch.
_PG_EPOCH_MS = 946_684_800_000
_SOURCE = Path(__file__).with_name("event_lines.c")
_CFLAGS = ("-O2", "-shared", "-fPIC")
# COPY's text format gives these bytes a meaning; escaped, they arrive as written.
_TEXT_ESCAPES = ((b"\\", b"\\\\"), (b"\t", b"\\t"), (b"\r", b"\\r"))


class ReaderBuildError(RuntimeError):
    """The C compiler could not build the event reader's parser."""


def escape_copy_text(data: bytes) -> bytes:
    """``data`` escaped for one column of COPY's text format (newlines still end rows)."""
    for raw, escaped in _TEXT_ESCAPES:
        data = data.replace(raw, escaped)
    return data


def text_defect(data: bytes) -> str | None:
    """Why ``data`` cannot go into a text column as it is, or None."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        return f"not UTF-8 text: byte 0x{data[error.start]:02x} at column {error.start + 1}"
    nul = data.find(b"\x00")
    if nul >= 0:
        return f"a NUL byte at column {nul + 1}"
    return None


def _epoch_ms(naive_utc: datetime) -> int:
    # Through timestamp(): Airflow's data interval is pendulum's, whose differences are not timedeltas.
    return round(naive_utc.replace(tzinfo=timezone.utc).timestamp() * 1000)


@functools.cache
def load_parser() -> ctypes.CDLL:
    """The C parser, built once for each version of its source, compiler flags and processor."""
    source = _SOURCE.read_bytes()
    digest = hashlib.sha256(source + " ".join((*_CFLAGS, platform.machine())).encode()).hexdigest()[:16]
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "sparkify"
    built = cache / f"event_lines-{digest}.so"
    if not built.exists():
        cache.mkdir(parents=True, exist_ok=True)
        compiler = os.environ.get("CC", "cc")
        # Built aside and renamed: processes starting at once never load a half-written file.
        with tempfile.TemporaryDirectory(dir=cache) as folder:
            output = Path(folder, built.name)
            try:
                subprocess.run([compiler, *_CFLAGS, "-o", str(output), str(_SOURCE), "-lm"], check=True, capture_output=True, text=True)
            except FileNotFoundError:
                raise ReaderBuildError(f"staging events on PostgreSQL builds {_SOURCE.name} with a C compiler; {compiler!r} was not found (install gcc, or set CC)") from None
            except subprocess.CalledProcessError as error:
                raise ReaderBuildError(f"{compiler} could not build {_SOURCE}:\n{error.stderr}") from None
            os.replace(output, built)
    parser = ctypes.CDLL(str(built))
    size, int64, pointer = ctypes.c_size_t, ctypes.c_int64, ctypes.c_void_p
    parser.events_new.restype = pointer
    parser.events_new.argtypes = [
        ctypes.c_int, ctypes.POINTER(ctypes.c_char_p), ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_int),
        ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_int, int64, int64, int64, int64, int64,
    ]  # fmt: skip
    parser.events_read.restype = int64
    parser.events_read.argtypes = [pointer, ctypes.c_char_p, size, ctypes.c_char_p, size, int64]
    parser.events_rows.restype = ctypes.POINTER(ctypes.c_char)
    parser.events_rows.argtypes = [pointer, ctypes.POINTER(size)]
    parser.events_passed.restype = ctypes.POINTER(ctypes.c_int32)
    parser.events_passed.argtypes = [pointer, ctypes.POINTER(size)]
    parser.events_other_hours.restype = int64
    parser.events_other_hours.argtypes = [pointer]
    parser.events_new_keys.restype = ctypes.POINTER(ctypes.c_char)
    parser.events_new_keys.argtypes = [pointer, ctypes.POINTER(size)]
    parser.events_free.restype = None
    parser.events_free.argtypes = [pointer]
    return parser


class EventReader:
    """Sorts the lines of the run's objects, read in order: staging rows for the COPY into
    staging_events (binary COPY rows, after COPY_HEADER), and the lines passed on to the
    server (COPY text rows ``line_no, line`` of raw_lines, written to ``passed_on``).

    Lines are numbered across the objects as the server numbers raw_lines. A record that
    repeats one staged here (same session, item, user and ts) is passed on, so the server
    quarantines it as a duplicate of the staged copy, which comes first by object and line.
    A passed-on record that the server can convert and that repeats one staged here is
    quarantined as its duplicate, wherever it stood.

    :param window: the run's hour
    :param passed_on: where the lines passed on go, as COPY text rows
    """

    def __init__(self, window: HourWindow, passed_on: IO[bytes]) -> None:
        params = window.params
        parser = load_parser()
        keys = [key for key, _, _ in EVENT_FIELDS]
        handle = parser.events_new(
            len(EVENT_FIELDS),
            (ctypes.c_char_p * len(keys))(*(key.encode() for key in keys)),
            (ctypes.c_int * len(keys))(*(kind for _, kind, _ in EVENT_FIELDS)),
            (ctypes.c_int * len(keys))(*(most for _, _, most in EVENT_FIELDS)),
            keys.index("ts"), keys.index("sessionId"), keys.index("itemInSession"), keys.index("userId"),
            _epoch_ms(params["day_start"]), _epoch_ms(params["day_end"]),
            params["start_epoch_ms"], params["end_epoch_ms"],
            (params["start_epoch_ms"] - _PG_EPOCH_MS) * 1000,
        )  # fmt: skip
        if not handle:
            raise MemoryError("the event reader could not allocate its state")
        self._parser, self._handle = parser, handle
        weakref.finalize(self, parser.events_free, handle)
        self._passed_on = passed_on
        self.lines = 0
        self.staged = 0
        self.passed_on_lines = 0
        self.defects: list[tuple[int, str]] = []

    @property
    def other_hours(self) -> int:
        """Records of other hours of the objects' day, counted and left to their hours."""
        return self._parser.events_other_hours(self._handle)

    @property
    def new_fields(self) -> list[str]:
        """Keys of the records read here that the staging table has no column for (schema drift)."""
        size = ctypes.c_size_t()
        keys = self._parser.events_new_keys(self._handle, ctypes.byref(size))
        return sorted(key.decode() for key in ctypes.string_at(keys, size.value).split(b"\0")[:-1])

    def blocks(self, source_key: str, chunks: Iterable[bytes]) -> Iterator[bytes]:
        """The staging rows of one object's bytes ``chunks``, binary COPY rows for each block of lines."""
        key = source_key.encode()
        before = self.lines
        rest = b""
        first = True
        for chunk in chunks:
            if first:
                chunk, first = chunk.removeprefix(BOM), False
            block = rest + chunk
            cut = block.rfind(b"\n") + 1
            block, rest = block[:cut], block[cut:]
            if block:
                yield self._block_rows(key, block, before)
        if rest:
            yield self._block_rows(key, rest + b"\n", before)

    def _block_rows(self, source_key: bytes, block: bytes, before: int) -> bytes:
        """The staging rows of ``block`` (whole lines, each ending in a newline) of the object
        whose lines come after the first ``before`` lines read."""
        first_line = self.lines + 1
        self.lines += block.count(b"\n")
        # A staged row holds its line's number in its object; the lines passed on keep theirs across the objects.
        staged = self._parser.events_read(self._handle, block, len(block), source_key, len(source_key), first_line - before)
        if staged < 0:
            raise MemoryError(f"the event reader ran out of memory at line {first_line - before} of {source_key.decode()}")
        self.staged += staged
        size = ctypes.c_size_t()
        rows = ctypes.string_at(self._parser.events_rows(self._handle, ctypes.byref(size)), size.value)
        passed = self._parser.events_passed(self._handle, ctypes.byref(size))
        if size.value:
            lines = block.split(b"\n")
            for code in passed[: size.value]:
                offset, not_text = divmod(code, 2)
                self._pass_on(first_line + offset, lines[offset], not_text=bool(not_text))
        return rows

    def _pass_on(self, line_no: int, line: bytes, *, not_text: bool) -> None:
        if not_text:
            self.defects.append((line_no, text_defect(line)))
            line = line.decode("utf-8", "backslashreplace").replace("\x00", "\\x00").encode()
        self.passed_on_lines += 1
        self._passed_on.write(b"%d\t%b\n" % (line_no, escape_copy_text(line)))
