"""Reads the lines of a run's event objects on the PostgreSQL backend and stages what it can
type as it is, so the server takes typed rows at COPY speed instead of parsing JSON on one core.

A line is staged here when it decodes to the staging types without conversion, its ts
falls in the run's hour and it repeats no record staged before it; a line of another hour
of the object's day is counted and left to that hour. Every other line (blank lines hold
nothing) is passed on whole with its number, and the server parses and places it exactly
as it parses every line on Redshift: the conversions JSON allows (a number written as a
string), the reason a line cannot be staged, records outside the day, and repeats.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from typing import IO, Annotated, Any, Optional

import msgspec

from sparkify.warehouse.base import HourWindow

# The JSON keys of an event and their staging types, in staging_events' column order
# (the record type event_record in sql/ddl/postgres/ has the same keys; lengths are the
# columns' varchar lengths). A value outside a type's range is not decoded here: the
# server then says what is wrong with it.
_TEXT = Optional[str]
_INTEGER = Optional[Annotated[int, msgspec.Meta(ge=-(2**31), le=2**31 - 1)]]
_BIGINT = Optional[Annotated[int, msgspec.Meta(ge=-(2**63), le=2**63 - 1)]]
_DOUBLE = Optional[float]


def _varchar(length: int) -> Any:
    return Optional[Annotated[str, msgspec.Meta(max_length=length)]]


EVENT_FIELDS: tuple[tuple[str, Any], ...] = (
    ("artist", _TEXT),
    ("auth", _varchar(32)),
    ("firstName", _TEXT),
    ("gender", _varchar(8)),
    ("itemInSession", _INTEGER),
    ("lastName", _TEXT),
    ("length", _DOUBLE),
    ("level", _varchar(8)),
    ("location", _TEXT),
    ("method", _varchar(8)),
    ("page", _varchar(64)),
    ("registration", _DOUBLE),
    ("sessionId", _INTEGER),
    ("song", _TEXT),
    ("status", _INTEGER),
    ("ts", _BIGINT),
    ("userAgent", _TEXT),
    ("userId", _varchar(32)),
)
KNOWN_FIELDS = frozenset(key for key, _ in EVENT_FIELDS)

# The COPY types of the reader's rows, in the column order of
# sql/stage/postgres/copy_staged_events.sql.
STAGED_TYPES: tuple[str, ...] = (
    "text", "text", "text", "text", "int4", "text", "float8", "text", "text", "text", "text",
    "float8", "int4", "text", "int4", "timestamp", "text", "text", "timestamp", "text", "int4",
)  # fmt: skip

BOM = b"\xef\xbb\xbf"
# ts is whole milliseconds: as seconds in a double, it is within a nanosecond of the
# instant for any date of the next thousand years, so the microseconds round to the exact
# value (checked in tests/warehouse/test_event_reader.py); four times as fast as adding a
# timedelta to the epoch.
_utc_from_seconds = datetime.utcfromtimestamp
# JSON's escape for NUL: a text column cannot hold it, and the server gives the reason.
_ESCAPED_NUL = b"\\u0000"
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
    return round(naive_utc.replace(tzinfo=timezone.utc).timestamp() * 1000)


class EventReader:
    """Sorts the lines of the run's objects, read in order: staging rows for the COPY into
    staging_events, and the lines passed on to the server (COPY text rows ``line_no, line``
    of raw_lines, written to ``passed_on``).

    Lines are numbered across the objects as the server numbers raw_lines. A record that
    repeats one staged here (same session, item, user and ts) is passed on, so the server
    quarantines it as a duplicate of the staged copy, which comes first by object and line.
    A passed-on record that the server can convert and that repeats one staged here is
    quarantined as its duplicate, wherever it stood.

    :param window: the run's hour
    :param passed_on: where the lines passed on go, as COPY text rows
    """

    def __init__(self, window: HourWindow, passed_on: IO[bytes], *, nul_checked: bool = False) -> None:
        params = window.params
        self.batch_hour: datetime = params["data_interval_start"]
        self._hour = (params["start_epoch_ms"], params["end_epoch_ms"])
        self._day = (_epoch_ms(params["day_start"]), _epoch_ms(params["day_end"]))
        self._passed_on = passed_on
        self._seen: set[int] = set()
        self._extra_fields: list[str] = []
        self.nul_checked = nul_checked
        self._decoder, self._list_decoder = self._new_decoders()
        self.lines = 0
        self.staged = 0
        self.other_hours = 0
        self.passed_on_lines = 0
        self.defects: list[tuple[int, str]] = []

    @property
    def new_fields(self) -> list[str]:
        """Keys of the records read here that the staging table has no column for (schema drift)."""
        return sorted(self._extra_fields)

    def _new_decoders(self) -> tuple[msgspec.json.Decoder, msgspec.json.Decoder]:
        # Every key of a record must be known, so schema drift shows on the line it starts;
        # a new key is then known (its value is not decoded) and the read goes on.
        fields = [(key, kind, None) for key, kind in EVENT_FIELDS]
        extras = {f"extra_{n}": key for n, key in enumerate(self._extra_fields)}
        fields += [(attribute, msgspec.Raw, msgspec.UNSET) for attribute in extras]
        record = msgspec.defstruct("EventRecord", fields, rename=extras or None, forbid_unknown_fields=True)
        return msgspec.json.Decoder(record), msgspec.json.Decoder(list[record])

    def blocks(self, source_key: str, chunks: Iterable[bytes]) -> Iterator[list[tuple]]:
        """The staging rows of one object's bytes ``chunks``, a list for each block of lines."""
        rest = b""
        first = True
        for chunk in chunks:
            if first:
                chunk, first = chunk.removeprefix(BOM), False
            block = rest + chunk
            cut = block.rfind(b"\n") + 1
            block, rest = block[:cut], block[cut:]
            if block:
                yield self._block_rows(source_key, block)
        if rest:
            yield self._block_rows(source_key, rest + b"\n")

    def _block_rows(self, source_key: str, block: bytes) -> list[tuple]:
        """The staging rows of ``block`` (whole lines, each ending in a newline)."""
        first_line = self.lines + 1
        count = block.count(b"\n")
        self.lines += count
        records = None
        if not (self.nul_checked and _ESCAPED_NUL in block):
            # The block as one JSON array, a line an element: with as many records as
            # lines, each line held one record (a blank line or two records on a line
            # fail it), and the block is read line by line otherwise.
            try:
                records = self._list_decoder.decode(b"[" + block[:-1].replace(b"\n", b",") + b"]")
            except (msgspec.DecodeError, msgspec.ValidationError, UnicodeDecodeError):
                records = None
        if records is not None and len(records) == count:
            lines = None
            decoded = enumerate(records)
        else:
            lines = block.split(b"\n")[:-1]
            decoded = self._decode_each(lines, first_line)
        day_start, day_end = self._day
        hour_start, hour_end = self._hour
        batch_hour, seen = self.batch_hour, self._seen
        rows = []
        other_hours = 0
        for offset, record in decoded:
            ts = record.ts
            if ts is not None and day_start <= ts < day_end:
                if not hour_start <= ts < hour_end:
                    other_hours += 1
                    continue
                key = hash((record.sessionId, record.itemInSession, record.userId, ts))
                if key not in seen:
                    seen.add(key)
                    rows.append((
                        record.artist, record.auth, record.firstName, record.gender, record.itemInSession,
                        record.lastName, record.length, record.level, record.location, record.method, record.page,
                        record.registration, record.sessionId, record.song, record.status,
                        _utc_from_seconds(ts / 1000), record.userAgent, record.userId,
                        batch_hour, source_key, first_line + offset,
                    ))  # fmt: skip
                    continue
            # No ts, a ts outside the day, or a key seen before (a repeat, or a collision of
            # the hashes): the server quarantines it with its reason, or stages it.
            if lines is None:
                lines = block.split(b"\n")[:-1]
            self._pass_on(first_line + offset, lines[offset])
        self.staged += len(rows)
        self.other_hours += other_hours
        return rows

    def _decode_each(self, lines: list[bytes], first_line: int) -> Iterator[tuple[int, Any]]:
        """The records of ``lines`` that decode here, with their offsets; the rest passed on."""
        for offset, line in enumerate(lines):
            if not line.strip():
                continue
            defect = text_defect(line)
            if defect is not None:
                self.defects.append((first_line + offset, defect))
                self._pass_on(first_line + offset, line.decode("utf-8", "backslashreplace").replace("\x00", "\\x00").encode())
                continue
            record = None if self.nul_checked and _ESCAPED_NUL in line else self._decode_line(line)
            if record is None:
                self._pass_on(first_line + offset, line)
            else:
                yield offset, record

    def _decode_line(self, line: bytes) -> Any:
        try:
            return self._decoder.decode(line)
        except msgspec.ValidationError:
            pass  # perhaps a new field
        except msgspec.DecodeError:
            return None
        try:
            fields = msgspec.json.decode(line)
        except msgspec.DecodeError:
            return None
        new = sorted(set(fields) - KNOWN_FIELDS - set(self._extra_fields)) if isinstance(fields, dict) else []
        if not new:
            return None
        self._extra_fields += new
        self._decoder, self._list_decoder = self._new_decoders()
        try:
            return self._decoder.decode(line)
        except (msgspec.DecodeError, msgspec.ValidationError):
            return None

    def _pass_on(self, line_no: int, line: bytes) -> None:
        self.passed_on_lines += 1
        self._passed_on.write(b"%d\t%b\n" % (line_no, escape_copy_text(line)))
