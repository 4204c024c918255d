"""Data Docs that stay fast for a year of hours: the site keeps a rolling window.

On every update GX lists the whole results store and the site's pages, and rebuilds the
index from every result that has a page, so an hourly pipeline's Data Docs slow down
with history (about 0.75 ms more per stored result). Before each gate run, the results
of hours older than the window (``sparkify_data_docs_days`` days, default 14, before
the run's hour; never the wall clock) move from the results store to the archive
(``sparkify_gx_results_archive``), and GX's next index build drops their pages; the
index lists the latest :data:`INDEX_VALIDATIONS` results, and the quality page
(:mod:`sparkify.quality.overview`) is the index of the whole window.

Nothing is lost: each expectation's outcome stays in the warehouse table
``validation_results``, the full results stay in the archive, and
:func:`render_archived` renders an old hour's pages again (``./sparkify docs --hour``)
into the site's ``archive/`` folder, which gates never prune.
"""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

# How GX's results store names a run's folder (RunIdentifier.to_tuple).
RUN_TIME_FORMAT = "%Y%m%dT%H%M%S.%fZ"
# Validations the Data Docs index lists, newest hours first (about 3 hours of 8 gates).
INDEX_VALIDATIONS = 24
ARCHIVE_STORE = "archived_validation_results_store"
ARCHIVE_SITE = "archive_site"
ARCHIVE_FOLDER = "archive"


def _run_folders(store: Path):
    """(run_time, folder) of each run in a results store laid out suite/run_name/run_time/."""
    for folder in store.glob("*/*/*"):
        try:
            yield datetime.strptime(folder.name, RUN_TIME_FORMAT), folder
        except ValueError:
            continue


def archive_before(results_dir: Path, archive_dir: Path, cutoff: datetime) -> int:
    """Moves the stored results of hours before ``cutoff`` (naive UTC) to ``archive_dir``;
    returns how many. Gates of concurrent hours may race: a result another gate moved
    first is skipped."""
    moved = 0
    for run_time, folder in _run_folders(results_dir):
        if run_time >= cutoff:
            continue
        target = archive_dir / folder.relative_to(results_dir)
        target.mkdir(parents=True, exist_ok=True)
        for result in list(folder.iterdir()):
            try:
                shutil.move(result, target / result.name)
            except FileNotFoundError:
                continue
            moved += 1
        for empty in (folder, folder.parent):
            try:
                empty.rmdir()
            except OSError:
                pass
    return moved


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
