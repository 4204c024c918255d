"""What a gate changes in the Data Docs site around its validation: before it, the
window's moves of older hours to the archive (:mod:`sparkify.quality.docs_window`);
after it, the quality page (:mod:`sparkify.quality.overview`) and, for a site on S3, the
upload of what the run changed (:mod:`sparkify.quality.data_docs`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from sparkify.quality.docs_window import WindowChanges


class SiteUpdate:
    """One gate run's changes to the site.

    :param backend: the warehouse backend the quality page reads ``validation_results`` from
    :param aws_conn_id: the AWS connection that uploads a site on S3
    :param log: the task's logger
    """

    def __init__(self, backend, *, aws_conn_id: str, log: logging.Logger) -> None:
        from sparkify.quality.data_docs import DataDocsSite

        self.backend = backend
        self.aws_conn_id = aws_conn_id
        self.log = log
        self.site = DataDocsSite.from_variables()
        self.window_changes = WindowChanges()

    @contextmanager
    def validating(self, hour: datetime) -> Iterator[None]:
        """The gate's turn with the results store and the site: the window is kept before
        GX updates the site, and no other gate moves results while this one's index reads
        them (:func:`sparkify.quality.docs_window.site_lock`)."""
        from sparkify.quality.context import results_dirs
        from sparkify.quality.docs_window import site_lock

        with site_lock(results_dirs()[0]):
            self._keep_window(hour)
            yield

    def _keep_window(self, hour: datetime) -> None:
        from sparkify.quality.context import GX_DIR, results_dirs
        from sparkify.quality.docs_window import keep_window

        site = self.site
        results, archive = results_dirs()
        self.window_changes = keep_window(results, archive, site.build_dir(GX_DIR), site.archive_dir(GX_DIR), hour, site.days)
        moved, deleted = len(self.window_changes.moved), len(self.window_changes.deleted)
        if moved or deleted:
            self.log.info(
                "Data Docs window: %d older pages moved to the archive folder, %d pages older than %d days deleted "
                "(their results stay in %s and in the warehouse's validation_results)",
                moved,
                deleted,
                site.days,
                archive,
            )

    def publish(self, *, pages: list[tuple[str, str]], quality_page: bool) -> None:
        """Rewrites the quality page when asked to and, for a site on S3, uploads what this
        run changed: ``pages`` (suite, URL), their suites' pages, the moved pages and the
        quality page. A failed upload is logged; the verdict stands without its pages."""
        from sparkify.quality.context import GX_DIR
        from sparkify.quality.overview import PAGE_NAME, Overview, write_page

        site = self.site
        if quality_page:
            overview = Overview.load(self.backend, hours=site.days * 24)
            write_page(overview, site.build_dir(GX_DIR), site.archived_urls(GX_DIR))
        if site.s3_target is None:
            return
        changed = [site.site_path(url) for _, url in pages]
        changed += [f"expectations/{suite}.html" for suite, _ in pages]
        if quality_page:
            changed.append(PAGE_NAME)
        moved, deleted = self.window_changes.moved, self.window_changes.deleted
        changed += [new for _, new in moved]
        try:
            uploaded = site.upload(GX_DIR, changed, self.aws_conn_id)
            site.delete([old for old, _ in moved] + deleted, self.aws_conn_id)
        except Exception:  # the verdict stands without its pages; say so loudly, do not change it
            self.log.exception("Could not upload Data Docs to %s; the validation result is kept on this worker", site.location)
            return
        self.log.info("Uploaded %d Data Docs files to %s", uploaded, site.location)
