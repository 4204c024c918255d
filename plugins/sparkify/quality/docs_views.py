"""GX's Data Docs views with their templates loaded once per process and compiled once
per machine.

GX's Jinja views make a new Jinja environment for every page they render, so every
Data Docs update compiled GX's ~100 page templates again: about 0.3 s of each
checkpoint run, more than its validation. These views share Jinja's bytecode cache
(compiled templates in the system's temporary folder, keyed by each template's source
checksum), so only the first update on a machine compiles. Within a process, a view
also takes the environment an earlier view of its class made, with the templates that
one loaded: a gate builds pages up to five times in a row, and loading a template from
the bytecode cache still reads, checksums and unmarshals it. The site configuration
(:meth:`sparkify.quality.data_docs.DataDocsSite.gx_site_config`) names them.
"""

from __future__ import annotations

from jinja2 import Environment, FileSystemBytecodeCache
from great_expectations.render.view import DefaultJinjaIndexPageView, DefaultJinjaPageView

from sparkify.quality import gx_private

_COMPILED_TEMPLATES = FileSystemBytecodeCache()
# (view class, custom styles folder, custom views folder) -> the first such view's
# environment. Its filters are that view's methods, which read nothing but those folders.
_ENVIRONMENTS: dict[tuple, Environment] = {}


def _share_environment(view) -> None:
    # Replaces the view's Jinja environment (sparkify.quality.gx_private).
    if not gx_private.intact():
        return
    view.env.bytecode_cache = _COMPILED_TEMPLATES
    key = (type(view), view.custom_styles_directory, view.custom_views_directory)
    view.env = _ENVIRONMENTS.setdefault(key, view.env)


class CachedPageView(DefaultJinjaPageView):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _share_environment(self)


class CachedIndexPageView(DefaultJinjaIndexPageView):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _share_environment(self)
