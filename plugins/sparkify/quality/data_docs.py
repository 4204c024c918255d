"""Where this deployment's Data Docs live, from Airflow variables (no code edits):

- ``sparkify_data_docs``: a local folder, or ``s3://bucket/prefix/``; default
  ``gx/uncommitted/data_docs/local_site/``.
- ``sparkify_data_docs_url``: the address people open the site at (a static web server,
  CloudFront, an S3 website); links in task logs, Slack and the Airflow UI start with it.
- ``sparkify_data_docs_days``: the rolling window of hours the site keeps pages for
  (default 14 days; :mod:`sparkify.quality.docs_window`). Pages older than the live
  hours are published under ``archive/`` from a folder beside the site's.

GX 1.x builds Data Docs on a local filesystem only (its S3 store backends are gone), so
for an S3 location the site is built in a folder on the worker and each gate then
uploads what its run changed (the index, the validation pages, the suite pages, and
the static assets once) with the Amazon provider's S3 hook.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

LOCAL_DEFAULT = Path("uncommitted/data_docs/local_site")
# For an S3 site: the folder on the worker where GX builds it before the upload.
S3_BUILD_DIR = Path("uncommitted/data_docs/s3_site_build")


DEFAULT_DAYS = 14
# The GX store of results older than the live hours (sparkify.quality.docs_window).
ARCHIVE_STORE = "archived_validation_results_store"
# Where the archived pages are published, under the site's address.
ARCHIVE_PATH = "archive/"
# GX's page views, keeping their compiled templates between runs (sparkify.quality.docs_views).
PAGE_VIEW = {"module_name": "sparkify.quality.docs_views", "class_name": "CachedPageView"}
INDEX_VIEW = {"module_name": "sparkify.quality.docs_views", "class_name": "CachedIndexPageView"}
INDEX_BUILDER = {"module_name": "sparkify.quality.docs_index", "class_name": "SummaryIndexBuilder"}
# GX's site builder, copying GX's static assets once (sparkify.quality.docs_site).
SITE_BUILDER = {"module_name": "sparkify.quality.docs_site", "class_name": "AssetsOnceSiteBuilder"}


def archive_folder(site_dir: Path) -> Path:
    return site_dir.with_name(f"{site_dir.name}_archive")


@dataclass(frozen=True)
class DataDocsSite:
    location: str | None
    public_url: str | None
    days: int = DEFAULT_DAYS

    @classmethod
    def from_variables(cls) -> DataDocsSite:
        from airflow.sdk import Variable

        public_url = Variable.get("sparkify_data_docs_url", default=None)
        if public_url and not public_url.endswith("/"):
            public_url += "/"
        days = int(Variable.get("sparkify_data_docs_days", default=DEFAULT_DAYS))
        return cls(Variable.get("sparkify_data_docs", default=None) or None, public_url or None, days)

    @property
    def s3_target(self) -> tuple[str, str] | None:
        """(bucket, key prefix ending in "/" or empty) for an S3 site, else None."""
        if not (self.location and self.location.startswith("s3://")):
            return None
        bucket, _, prefix = self.location.removeprefix("s3://").partition("/")
        prefix = prefix.strip("/")
        return bucket, f"{prefix}/" if prefix else ""

    def build_dir(self, gx_dir: Path) -> Path:
        """The local folder GX writes the site to."""
        if self.s3_target is not None:
            return gx_dir / S3_BUILD_DIR
        return Path(self.location).resolve() if self.location else gx_dir / LOCAL_DEFAULT

    @property
    def public_base(self) -> str | None:
        """The URL pages are linked under (None: GX's file:// URLs of the local folder)."""
        if self.public_url is None and self.s3_target is not None:
            bucket, prefix = self.s3_target
            return f"https://{bucket}.s3.amazonaws.com/{prefix}"
        return self.public_url

    def site_path(self, url: str) -> str:
        """The site-relative path of a page linked at ``url``."""
        from urllib.parse import unquote

        return unquote(url.removeprefix(self.public_base or ""))

    def gx_site_config(self, gx_dir: Path) -> dict:
        return {
            **self._site_config(self.build_dir(gx_dir), self.public_base),
            "site_section_builders": {
                "validations": {"view": PAGE_VIEW},
                "expectations": {"view": PAGE_VIEW},
                # No profiling section: it would list the whole results store once more per update.
                "profiling": "None",
            },
        }

    def archive_dir(self, gx_dir: Path) -> Path:
        """The local folder of the archived pages, published at ``archive/`` under the
        site. Beside the site's folder, not in it: GX walks the whole site folder on
        every update."""
        return archive_folder(self.build_dir(gx_dir))

    @property
    def archive_public_base(self) -> str | None:
        return f"{self.public_base}{ARCHIVE_PATH}" if self.public_base else None

    def archived_urls(self, gx_dir: Path) -> Callable[[str], str]:
        """The function from a page's URL to where the page is once it moved to the archive."""
        base = self.public_base or self.build_dir(gx_dir).as_uri() + "/"
        archive_base = self.archive_public_base or self.archive_dir(gx_dir).as_uri() + "/"

        def archived_url(url: str) -> str:
            return archive_base + url.removeprefix(base) if url.startswith(base) else url

        return archived_url

    def gx_archive_site_config(self, gx_dir: Path) -> dict:
        """The site section that old hours' pages are rendered into, from the archive store."""
        return {
            **self._site_config(self.archive_dir(gx_dir), self.archive_public_base),
            "site_section_builders": {
                "validations": {"source_store_name": ARCHIVE_STORE, "view": PAGE_VIEW},
                "expectations": "None",
                "profiling": "None",
            },
        }

    @staticmethod
    def _site_config(folder: Path, public_base: str | None) -> dict:
        backend = {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(folder)}
        if public_base:
            backend["base_public_path"] = public_base
        return {
            **SITE_BUILDER,
            "show_how_to_buttons": False,
            "store_backend": backend,
            "site_index_builder": {**INDEX_BUILDER, "view": INDEX_VIEW},
        }

    def upload(self, gx_dir: Path, pages: list[str], aws_conn_id: str = "aws_default") -> int:
        """For an S3 site, uploads the index, ``pages`` (site-relative paths) and, the first
        time, the static assets; returns the number of objects written."""
        if self.s3_target is None:
            return 0
        from airflow.providers.amazon.aws.hooks.s3 import S3Hook

        bucket, prefix = self.s3_target
        site = self.build_dir(gx_dir)
        s3 = S3Hook(aws_conn_id=aws_conn_id)
        files = ["index.html", *pages]
        if not s3.check_for_key(f"{prefix}index.html", bucket_name=bucket):
            files += [str(p.relative_to(site)) for p in (site / "static").rglob("*") if p.is_file()]
        archive = self.archive_dir(gx_dir)
        for relative in files:
            local = archive / relative.removeprefix(ARCHIVE_PATH) if relative.startswith(ARCHIVE_PATH) else site / relative
            s3.load_file(str(local), f"{prefix}{relative}", bucket_name=bucket, replace=True, acl_policy=None)
        return len(files)

    def delete(self, paths: list[str], aws_conn_id: str = "aws_default") -> None:
        """For an S3 site, deletes the pages at ``paths`` (site-relative)."""
        if self.s3_target is None or not paths:
            return
        from airflow.providers.amazon.aws.hooks.s3 import S3Hook

        bucket, prefix = self.s3_target
        S3Hook(aws_conn_id=aws_conn_id).delete_objects(bucket, [f"{prefix}{path}" for path in paths])
