"""The event reader's line parser (``src/event_lines.c``), compiled when this package is
installed (``pip install ./native/event_lines``) and loaded through ctypes.

The C is built as the extension module ``sparkify_event_lines._event_lines`` only so that
pip compiles it at install time; :func:`load_parser` loads that file with ctypes and
declares the parser's functions. ``sparkify.warehouse.event_reader`` uses it when it is
installed; without it (a worker image without a C compiler) the server parses every line.
Importing this package fails with ImportError when the extension was not built.
"""

from __future__ import annotations

import ctypes
import functools
import importlib.util

# Value kinds, as event_lines.c numbers them (its enum kind). EPOCH_MS: whole milliseconds
# since the Unix epoch, a JSON integer staged as a timestamp.
TEXT, INT4, FLOAT8, EPOCH_MS = 0, 1, 2, 3

_EXTENSION = importlib.util.find_spec(f"{__name__}._event_lines")
if _EXTENSION is None or not _EXTENSION.origin:
    # A source checkout on sys.path without its build.
    raise ImportError(f"{__name__}'s compiled parser is not built: pip install ./native/event_lines", name=__name__)

EXTENSION_PATH: str = _EXTENSION.origin


@functools.cache
def load_parser() -> ctypes.CDLL:
    """The compiled parser, its functions' argument and result types declared."""
    parser = ctypes.CDLL(EXTENSION_PATH)
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
