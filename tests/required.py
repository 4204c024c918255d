"""What a test needs from the machine and may not find there."""

from __future__ import annotations

import os

import pytest


def skip_or_fail(reason: str) -> None:
    """Skips on a developer's machine; under CI=true a missing component fails the test,
    so CI cannot pass by skipping what it was meant to run."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: required)", pytrace=False)
    pytest.skip(reason)
