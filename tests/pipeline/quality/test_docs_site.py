"""GX's static assets (styles, scripts, fonts) go into the Data Docs site when it lacks
them, and are not written again by every checkpoint that updates the site."""

from __future__ import annotations

import pytest
from helpers import TEST_DAY_KEY, TEST_HOUR, event, event_lines, ms, put, run_hour_in_process

from sparkify.quality.docs_site import GX_STATIC_ASSETS

pytestmark = pytest.mark.integration


def site_assets(stack) -> dict[str, bytes]:
    return {str(p.relative_to(stack.data_docs_dir / "static")): p.read_bytes() for p in (stack.data_docs_dir / "static").rglob("*") if p.is_file()}


def test_the_site_gets_gx_assets_once_and_again_when_one_is_damaged(one_song):
    gx_assets = {str(p.relative_to(GX_STATIC_ASSETS)): p.read_bytes() for p in GX_STATIC_ASSETS.rglob("*") if p.is_file()}
    put(one_song, TEST_DAY_KEY, event_lines([event(ms(TEST_HOUR, n), "7", itemInSession=n) for n in range(6)]))

    run_hour_in_process(TEST_HOUR)
    assert gx_assets and site_assets(one_song) == gx_assets

    static = one_song.data_docs_dir / "static"
    written = {p: p.stat().st_mtime_ns for p in static.rglob("*") if p.is_file()}
    run_hour_in_process(TEST_HOUR)
    assert {p: p.stat().st_mtime_ns for p in written} == written

    damaged = max(written, key=lambda p: p.stat().st_size)
    damaged.write_bytes(b"")
    run_hour_in_process(TEST_HOUR)
    assert site_assets(one_song) == gx_assets
