"""GX's Data Docs site builder, copying GX's static assets into the site only when the
site lacks them or holds older ones.

GX's ``SiteBuilder`` copies its static assets (about 20 files, 4 MB: styles, scripts,
fonts, images) into the site on every update, that is after every checkpoint: eight
times an hour, each time the same files. On a million-event hour that was most of the
Data Docs action's time, 0.13 to 0.32 s of each gate's checkpoints. A site that has
every asset at its size, written since GX's copy was installed, keeps it. The site
configuration (:meth:`sparkify.quality.data_docs.DataDocsSite.gx_site_config`) names
this builder.
"""

from __future__ import annotations

from pathlib import Path

from great_expectations.data_context.store import html_site_store
from great_expectations.render.renderer.site_builder import SiteBuilder

from sparkify.quality import gx_private

# Where GX's HtmlSiteStore copies the assets from by default.
GX_STATIC_ASSETS = Path(html_site_store.__file__).resolve().parents[2] / "render" / "view" / "static"


def has_static_assets(site: Path, source: Path = GX_STATIC_ASSETS) -> bool:
    """Whether ``site`` holds each file of ``source`` under ``static/``, of the same size
    and written after the source file was."""
    for asset in source.rglob("*"):
        if not asset.is_file():
            continue
        copy = site / "static" / asset.relative_to(source)
        if not copy.is_file():
            return False
        copied, original = copy.stat(), asset.stat()
        if copied.st_size != original.st_size or copied.st_mtime < original.st_mtime:
            return False
    return True


class AssetsOnceSiteBuilder(SiteBuilder):
    # GX passes a site builder the parts of its runtime environment that its signature names.
    def __init__(self, data_context, store_backend, site_name=None, runtime_environment=None, **kwargs) -> None:
        super().__init__(data_context, store_backend, site_name=site_name, runtime_environment=runtime_environment, **kwargs)
        # Replaces the store's copy step (sparkify.quality.gx_private).
        if not gx_private.intact():
            return
        store = self.target_store
        copy_assets = store.copy_static_assets
        site = Path(store.store_backends["static_assets"].full_base_directory)

        def copy_missing_assets(static_assets_source_dir: str | None = None) -> None:
            if static_assets_source_dir is not None or not has_static_assets(site):
                copy_assets(static_assets_source_dir)

        # The section builders were given this store; only its copy step changes.
        store.copy_static_assets = copy_missing_assets
