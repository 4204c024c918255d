"""Where this deployment's Data Docs live, from Airflow variables (no code edits):

- ``sparkify_data_docs``: a local folder, or ``s3://bucket/prefix/``; default
  ``gx/uncommitted/data_docs/local_site/``.
- ``sparkify_data_docs_url``: the address people open the site at (a static web server,
  CloudFront, an S3 website); links in task logs, Slack and the Airflow UI start with it.

GX 1.x builds Data Docs on a local filesystem only (its S3 store backends are gone), so
for an S3 location the site is built in a folder on the worker and each gate then
uploads what its run changed (the index, the validation pages, the suite pages, and
the static assets once) with the Amazon provider's S3 hook.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

LOCAL_DEFAULT = Path("uncommitted/data_docs/local_site")
# For an S3 site: the folder on the worker where GX builds it before the upload.
S3_BUILD_DIR = Path("uncommitted/data_docs/s3_site_build")


@dataclass(frozen=True)
class DataDocsSite:
    location: str | None
    public_url: str | None

    @classmethod
    def from_variables(cls) -> DataDocsSite:
        from airflow.sdk import Variable

        public_url = Variable.get("sparkify_data_docs_url", default=None)
        if public_url and not public_url.endswith("/"):
            public_url += "/"
        return cls(Variable.get("sparkify_data_docs", default=None) or None, public_url or None)

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
        backend = {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(self.build_dir(gx_dir))}
        if self.public_base:
            backend["base_public_path"] = self.public_base
        return {
            "class_name": "SiteBuilder",
            "show_how_to_buttons": False,
            "store_backend": backend,
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
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
        for relative in files:
            s3.load_file(
                str(site / relative), f"{prefix}{relative}", bucket_name=bucket, replace=True, acl_policy=None
            )
        return len(files)
