"""Data Docs that stay fast for a year of hours.

On every update GX lists the whole results store and the site's pages (parsing each
key's run time) and rebuilds the index from every result that has a page, so an hourly
pipeline's Data Docs slow down with history. So the site has two parts:

- **live**: GX's own site over the results store, which holds the latest
  :data:`LIVE_HOURS` hours of results; its index lists them. Before each gate run
  (:func:`keep_window`), results of older hours move to the archive store
  (``sparkify_gx_results_archive``) and their pages to the archive folder;
- **archive**: a folder beside the site's (GX walks the whole site folder on each
  update), published under the site's ``archive/``: the pages of the rest of the window
  (``sparkify_data_docs_days`` days before the run's hour, default 14; never the wall
  clock), deleted after that by the first run of each day. The quality page (:mod:`sparkify.quality.overview`) is the index of the whole window.

Nothing is lost: each expectation's outcome stays in the warehouse table
``validation_results``, the full results stay in the archive store, and
:func:`render_archived` renders an older hour's pages again (``./sparkify docs --hour``).
"""

from __future__ import annotations

import fcntl
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sparkify.quality.data_docs import ARCHIVE_PATH, ARCHIVE_STORE

# How GX's results store names a run's folder (RunIdentifier.to_tuple).
RUN_TIME_FORMAT = "%Y%m%dT%H%M%S.%fZ"
# Hours of results GX's own site (its index) keeps: every update costs more with each.
LIVE_HOURS = 6
ARCHIVE_SITE = "archive_site"


@dataclass
class WindowChanges:
    """Site-relative paths of the pages moved into ``archive/`` (old path, new path) and
    of the archived pages deleted, for a copy of the site elsewhere (S3) to follow."""

    moved: list[tuple[str, str]] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)


@contextmanager
def site_lock(results_dir: Path) -> Iterator[None]:
    """Held by a gate from its window's moves to its pages' update: the gates of
    concurrent hours take turns with the results store and the site, because one gate's
    window moves results that another's index (GX reads every listed result) or window
    walk is reading."""
    lock_file = results_dir.parent / f"{results_dir.name}.lock"
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_file, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _run_folders(store: Path):
    """(run_time, folder) of each run in a folder laid out suite/run_name/run_time/."""
    for folder in store.glob("*/*/*"):
        try:
            yield datetime.strptime(folder.name, RUN_TIME_FORMAT), folder
        except ValueError:
            continue


def _remove_empty(folder: Path) -> None:
    for empty in (folder, folder.parent):
        try:
            empty.rmdir()
        except OSError:
            pass


def _move(source: Path, target: Path) -> bool:
    """False if a concurrent gate moved it first."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        shutil.move(source, target)
    except FileNotFoundError:
        return False
    return True


def keep_window(
    results_dir: Path, archive_dir: Path, site_dir: Path, archive_site_dir: Path, hour: datetime, days: int
) -> WindowChanges:
    """Before GX updates the site for ``hour`` (naive UTC): results older than the live
    hours go to the archive store and their pages to the archive folder; archived pages
    older than ``days`` are deleted."""
    changes = WindowChanges()
    live_since, window_since = hour - timedelta(hours=LIVE_HOURS), hour - timedelta(days=days)
    pages, archived_pages = site_dir / "validations", archive_site_dir / "validations"
    for run_time, folder in _run_folders(results_dir):
        if run_time >= live_since:
            continue
        relative = folder.relative_to(results_dir)
        for result in list(folder.glob("*.json")):
            if not _move(result, archive_dir / relative / result.name):
                continue
            page = relative / f"{result.stem}.html"
            if run_time >= window_since and _move(pages / page, archived_pages / page):
                changes.moved.append((f"validations/{page}", f"{ARCHIVE_PATH}validations/{page}"))
        _remove_empty(folder)
        # GX walks every folder of the site on each update: emptied ones would pile up by
        # the hour (5,908 folders, 49 files, after a month).
        _remove_empty(pages / relative)
    # The archive's pages are swept once a day of runs (at the day's first hour): a walk
    # over the whole window on every update would cost what the window saves.
    for run_time, folder in _run_folders(archived_pages) if hour.hour == 0 else ():
        if run_time >= window_since:
            continue
        for page in list(folder.glob("*.html")):
            page.unlink(missing_ok=True)
            changes.deleted.append(f"{ARCHIVE_PATH}{page.relative_to(archive_site_dir)}")
        _remove_empty(folder)
    if changes.moved and not (archive_site_dir / "static").exists():
        # The archive is laid out like the site, so the pages' relative links hold.
        shutil.copytree(site_dir / "static", archive_site_dir / "static", dirs_exist_ok=True)
    return changes


def archived_keys(archive_dir: Path, hour: datetime, suite: str | None = None):
    """The identifiers of the archived results of ``hour`` (naive UTC), of one suite or all."""
    from great_expectations.data_context.types.resource_identifiers import ValidationResultIdentifier

    keys = []
    for run_time, folder in _run_folders(archive_dir):
        if run_time != hour or (suite and folder.parent.parent.name != suite):
            continue
        for result in sorted(folder.glob("*.json")):
            parts = (*result.relative_to(archive_dir).parent.parts, result.name.removesuffix(".json"))
            keys.append(ValidationResultIdentifier.from_tuple(parts))
    return keys


def render_archived(context, site, gx_dir: Path, archive_dir: Path, hour: datetime, suite: str | None = None) -> list[str]:
    """Renders the archived results of ``hour`` into the site's archive folder with GX's
    own site builder; returns the pages' URLs (none if nothing of that hour is archived)."""
    from sparkify.quality.report import page_link

    keys = archived_keys(archive_dir, hour, suite)
    if not keys:
        return []
    context.variables.data_docs_sites = {ARCHIVE_SITE: site.gx_archive_site_config(gx_dir)}
    context.build_data_docs(site_names=[ARCHIVE_SITE], resource_identifiers=keys, build_index=False)
    urls = []
    for key in keys:
        for page in context.get_docs_sites_urls(resource_identifier=key, site_name=ARCHIVE_SITE):
            urls.append(page_link(page["site_url"]))
    return urls
