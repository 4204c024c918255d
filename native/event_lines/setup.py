"""Builds the event reader's C parser into the package at install time
(``pip install ./native/event_lines``); the metadata is in pyproject.toml."""

import hashlib
from pathlib import Path

from setuptools import Extension, setup

HERE = Path(__file__).resolve().parent
SOURCES = ["src/event_lines.c", "src/module.c"]
# The build records the digest of the C it compiled: a test compares it with the checkout's,
# so a build older than the source is found (pip install ./native/event_lines again).
DIGEST = hashlib.sha256(b"".join((HERE / source).read_bytes() for source in SOURCES)).hexdigest()

setup(
    ext_modules=[
        Extension(
            "sparkify_event_lines._event_lines",
            sources=SOURCES,
            define_macros=[("SOURCE_SHA256", f'"{DIGEST}"')],
            extra_compile_args=["-O2"],
            libraries=["m"],
        )
    ]
)
