"""GX's Data Docs views with their compiled templates kept between gate runs.

GX's Jinja views make a new Jinja environment for every page they render, so every
Data Docs update compiled GX's ~100 page templates again: about 0.3 s of each
checkpoint run, more than its validation. These views share Jinja's bytecode cache
(compiled templates in the system's temporary folder, keyed by each template's source
checksum), so only the first update on a machine compiles. The site configuration
(:meth:`sparkify.quality.data_docs.DataDocsSite.gx_site_config`) names them.
"""

from __future__ import annotations

from jinja2 import FileSystemBytecodeCache
from great_expectations.render.view import DefaultJinjaIndexPageView, DefaultJinjaPageView

_COMPILED_TEMPLATES = FileSystemBytecodeCache()


class CachedPageView(DefaultJinjaPageView):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.env.bytecode_cache = _COMPILED_TEMPLATES


class CachedIndexPageView(DefaultJinjaIndexPageView):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.env.bytecode_cache = _COMPILED_TEMPLATES
