"""Reads the lines of a run's event objects on the PostgreSQL backend and stages what it can
type as it is, so the server takes typed rows at COPY speed instead of parsing JSON on one core.

A line is staged here when it decodes to the staging types without conversion, its ts
falls in the run's hour and it repeats no record staged before it; a line of another hour
of the object's day is counted and left to that hour. Every other line (blank lines hold
nothing) is passed on whole with its number, and the server parses and places it exactly
as it parses every line on Redshift: the conversions JSON allows (a number written as a
string), the reason a line cannot be staged, records outside the day, and repeats.

The parse is C (native/event_lines/src/event_lines.c), compiled when the package
``sparkify_event_lines`` is installed (``pip install ./native/event_lines``;
requirements-dev.txt installs it, the worker's requirements.txt does not): in Python it
cost 5 to 6 µs a record, which made the reader, not the server's COPY, the stage step's
critical path. Nothing is compiled at run time.

Without that package (a worker image without a C compiler) the reader stages nothing: it
passes every line that is not blank on to the server, with its number and the same check
for bytes that are not UTF-8 text, counts no other hours and finds no new fields, and the
server parses and places every record (sql/stage/postgres/parse_event_lines.sql, then
sql/stage/place_events.sql): the same staged rows, quarantine and balance, only slower
(a 200,000-event hour took 6 to 7 s instead of 1 to 1.3 s on the 2-core development machine).
Each stage run then logs one line saying so. Two outcomes differ: of two copies of an
event whose first needs a conversion (a number written as a string), the compiled reader
stages the later, exact copy and the server quarantines the first as its duplicate, while
the server alone keeps the first and quarantines the later; and from 20,000 lines an hour
on, the server looks for new fields in an even sample of 10,000 to 20,000 lines
(sql/stage/postgres/select_new_fields.sql), the compiled reader in every line it parses.

The environment variable ``SPARKIFY_EVENT_READER`` chooses the reader: ``server`` makes
the server parse every line even where the compiled reader is installed (the tests compare
the two ways), ``compiled`` fails a stage run that cannot have it; unset, the compiled
reader is used when it is installed. :class:`EventReader`'s ``reader`` argument does the
same for one reader.
"""

from __future__ import annotations

import ctypes
import logging
import os
import weakref
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from typing import IO, Literal

from sparkify.warehouse.base import HourWindow

try:
    import sparkify_event_lines
except ImportError:  # not installed (a worker without a C compiler): the server parses every line
    sparkify_event_lines = None

log = logging.getLogger(__name__)

READER_VARIABLE = "SPARKIFY_EVENT_READER"
Reader = Literal["compiled", "server"]
READERS: tuple[Reader, ...] = ("compiled", "server")

# The JSON keys of an event, the kind of their values and the most characters they may
# hold (0: any), in staging_events' column order (the record type event_record in
# sql/ddl/postgres/ has the same keys; lengths are the columns' varchar lengths). Kinds:
# text, int4 and float8 as the columns; epoch_ms, whole milliseconds since the Unix epoch
# (a JSON integer) staged as a timestamp. A value outside its kind's range is not staged
# here: the server then says what is wrong with it.
EVENT_FIELDS: tuple[tuple[str, str, int], ...] = (
    ("artist", "text", 0),
    ("auth", "text", 32),
    ("firstName", "text", 0),
    ("gender", "text", 8),
    ("itemInSession", "int4", 0),
    ("lastName", "text", 0),
    ("length", "float8", 0),
    ("level", "text", 8),
    ("location", "text", 0),
    ("method", "text", 8),
    ("page", "text", 64),
    ("registration", "float8", 0),
    ("sessionId", "int4", 0),
    ("song", "text", 0),
    ("status", "int4", 0),
    ("ts", "epoch_ms", 0),
    ("userAgent", "text", 0),
    ("userId", "text", 32),
)
# The reader's rows are these columns, then batch_hour, source_key and source_line, in
# the order of sql/stage/postgres/copy_staged_events.sql, in binary COPY format.
COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
COPY_TRAILER = b"\xff\xff"
BOM = b"\xef\xbb\xbf"
# PostgreSQL's epoch, 2000-01-01, in milliseconds since the Unix epoch.
_PG_EPOCH_MS = 946_684_800_000
# COPY's text format gives these bytes a meaning; escaped, they arrive as written.
_TEXT_ESCAPES = ((b"\\", b"\\\\"), (b"\t", b"\\t"), (b"\r", b"\\r"))


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


def choose_reader(reader: Reader | None = None) -> Reader:
    """The reader a stage run uses: ``reader`` when given, else the environment's
    SPARKIFY_EVENT_READER, else the compiled one when it is installed."""
    chosen = reader or os.environ.get(READER_VARIABLE) or ("compiled" if sparkify_event_lines else "server")
    if chosen not in READERS:
        raise ValueError(f"{READER_VARIABLE}={chosen!r}: the event reader is one of {', '.join(READERS)}")
    if chosen == "compiled" and sparkify_event_lines is None:
        raise RuntimeError("the compiled event reader is asked for but not installed: pip install ./native/event_lines")
    return chosen


class EventReader:
    """Sorts the lines of the run's objects, read in order: staging rows for the COPY into
    staging_events (binary COPY rows, after COPY_HEADER), and the lines passed on to the
    server (COPY text rows ``line_no, line`` of raw_lines, written to ``passed_on``).

    Lines are numbered across the objects as the server numbers raw_lines. A record that
    repeats one staged here (same session, item, user and ts) is passed on, so the server
    quarantines it as a duplicate of the staged copy, which comes first by object and line.
    A passed-on record that the server can convert and that repeats one staged here is
    quarantined as its duplicate, wherever it stood. Without the compiled parser, every
    line that is not blank is passed on.

    :param window: the run's hour
    :param passed_on: where the lines passed on go, as COPY text rows
    :param reader: ``compiled`` or ``server`` (see :func:`choose_reader`; default: the
        environment's choice, else the compiled reader when it is installed)
    """

    def __init__(self, window: HourWindow, passed_on: IO[bytes], *, reader: Reader | None = None) -> None:
        self.reader = choose_reader(reader)
        self._passed_on = passed_on
        self.lines = 0
        self.staged = 0
        self.passed_on_lines = 0
        self.defects: list[tuple[int, str]] = []
        self._parser = self._handle = None
        if self.reader == "server":
            if sparkify_event_lines is None:
                log.info("The compiled event reader is not installed: the server parses every line (pip install ./native/event_lines installs it)")
            else:
                asked = "the reader's argument" if reader else f"{READER_VARIABLE}=server"
                log.info("The server parses every line, as %s asks, though the compiled event reader is installed", asked)
            return
        params = window.params
        parser = sparkify_event_lines.load_parser()
        kinds = {
            "text": sparkify_event_lines.TEXT,
            "int4": sparkify_event_lines.INT4,
            "float8": sparkify_event_lines.FLOAT8,
            "epoch_ms": sparkify_event_lines.EPOCH_MS,
        }
        keys = [key for key, _, _ in EVENT_FIELDS]
        handle = parser.events_new(
            len(EVENT_FIELDS),
            (ctypes.c_char_p * len(keys))(*(key.encode() for key in keys)),
            (ctypes.c_int * len(keys))(*(kinds[kind] for _, kind, _ in EVENT_FIELDS)),
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

    @property
    def other_hours(self) -> int:
        """Records of other hours of the objects' day, counted and left to their hours."""
        return self._parser.events_other_hours(self._handle) if self._parser else 0

    @property
    def new_fields(self) -> list[str]:
        """Keys of the records read here that the staging table has no column for (schema drift)."""
        if not self._parser:
            return []
        size = ctypes.c_size_t()
        keys = self._parser.events_new_keys(self._handle, ctypes.byref(size))
        return sorted(key.decode() for key in ctypes.string_at(keys, size.value).split(b"\0")[:-1])

    def blocks(self, source_key: str, chunks: Iterable[bytes]) -> Iterator[bytes]:
        """The staging rows of one object's bytes ``chunks``, binary COPY rows for each block of lines."""
        key = source_key.encode()
        before = self.lines
        rest = b""
        head = True  # at the object's first bytes, where a byte order mark may stand
        for chunk in chunks:
            block = rest + chunk
            if head:
                # A chunk may end inside the mark (three bytes).
                if len(block) < len(BOM) and BOM.startswith(block):
                    rest = block
                    continue
                block, head = block.removeprefix(BOM), False
            cut = block.rfind(b"\n") + 1
            block, rest = block[:cut], block[cut:]
            if block:
                rows = self._block_rows(key, block, before)
                if rows:
                    yield rows
        if rest:
            rows = self._block_rows(key, rest + b"\n", before)
            if rows:
                yield rows

    def _block_rows(self, source_key: bytes, block: bytes, before: int) -> bytes:
        """The staging rows of ``block`` (whole lines, each ending in a newline) of the object
        whose lines come after the first ``before`` lines read."""
        first_line = self.lines + 1
        self.lines += block.count(b"\n")
        if not self._parser:
            self._pass_on_every_line(block, first_line)
            return b""
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
                line = lines[offset]
                self._pass_on(first_line + offset, line, text_defect(line) if not_text else None)
        return rows

    def _pass_on_every_line(self, block: bytes, first_line: int) -> None:
        # One check of the whole block spares checking each line of a block that is all text.
        all_text = text_defect(block) is None
        for offset, line in enumerate(block.split(b"\n")[:-1]):
            # The C parser's blank: nothing but ASCII white space, which bytes.strip() removes.
            if line.strip():
                self._pass_on(first_line + offset, line, None if all_text else text_defect(line))

    def _pass_on(self, line_no: int, line: bytes, defect: str | None) -> None:
        if defect is not None:
            self.defects.append((line_no, defect))
            line = line.decode("utf-8", "backslashreplace").replace("\x00", "\\x00").encode()
        self.passed_on_lines += 1
        self._passed_on.write(b"%d\t%b\n" % (line_no, escape_copy_text(line)))
