"""The local Data Docs web server: the site's folder over HTTP on 127.0.0.1, working offline.

GX's Data Docs pages load Bootstrap, bootstrap-table, jQuery and Font Awesome from public
CDNs, and the index page builds its tables with them. A laptop without internet (and CI)
would show an empty index, so HTML is served with those CDN addresses pointed at the
same packages installed from the npm registry (``data_docs_assets/package.json``, by
``./sparkify``). The files on disk are GX's own; a production site keeps its CDN links.

Pages under ``/archive/`` come from the folder beside DIRECTORY, ``DIRECTORY_archive``.

``python -m sparkify_lab.data_docs_server DIRECTORY PORT``
"""

from __future__ import annotations

import re
import sys
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from sparkify.quality.data_docs import ARCHIVE_PATH, archive_folder

ASSETS = Path(__file__).resolve().parent / "data_docs_assets" / "node_modules"
ASSETS_PATH = "/_assets/"

# CDN address prefix -> the same files in an npm package (paths under node_modules/).
CDN_PACKAGES = {
    "https://unpkg.com/bootstrap-table@1.19.1/dist/": "bootstrap-table/dist/",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/": "bootstrap-table/dist/",
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/": "bootstrap/dist/",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/": "bootstrap/dist/",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/": "bootstrap-datepicker/dist/",
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/": "@forevolve/bootstrap-dark/dist/",
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/": "@fortawesome/fontawesome-free/",
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery/dist/jquery.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/": "popper.js/dist/",
}
_CDN = re.compile("|".join(re.escape(prefix) for prefix in CDN_PACKAGES))
# Subresource-integrity hashes name the CDN's bytes; the local copies are checked by npm's lockfile instead.
_INTEGRITY = re.compile(rb'\s+integrity="[^"]*"(\s+crossorigin="[^"]*")?')


def offline_html(html: bytes) -> bytes:
    """``html`` with the known CDN addresses pointed at the local asset path."""
    html = _CDN.sub(lambda m: ASSETS_PATH + CDN_PACKAGES[m.group(0)], html.decode("utf-8")).encode("utf-8")
    return _INTEGRITY.sub(b"", html)


class DataDocsHandler(SimpleHTTPRequestHandler):
    def translate_path(self, path: str) -> str:
        # Archived pages live in a folder beside the site's (sparkify.quality.docs_window).
        if path.startswith(f"/{ARCHIVE_PATH}"):
            site = Path(self.directory)
            return str(archive_folder(site) / super().translate_path(path).removeprefix(str(site)).lstrip("/").removeprefix(ARCHIVE_PATH))
        return super().translate_path(path)

    def send_head(self):
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        if path.startswith(ASSETS_PATH):
            return self._send_asset(path.removeprefix(ASSETS_PATH))
        if path.endswith("/"):
            path += "index.html"
        if path.endswith(".html") and ASSETS.is_dir():
            return self._send_html(Path(self.translate_path(path)))
        return super().send_head()

    def _send_asset(self, relative: str):
        target = (ASSETS / relative).resolve()
        if ASSETS not in target.parents or not target.is_file():
            self.send_error(404, "asset not found")
            return None
        return self._send_bytes(target.read_bytes(), self.guess_type(str(target)))

    def _send_html(self, page: Path):
        if not page.is_file():
            self.send_error(404, "page not found")
            return None
        return self._send_bytes(offline_html(page.read_bytes()), "text/html; charset=utf-8")

    def _send_bytes(self, body: bytes, content_type: str):
        import io

        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)

    def log_message(self, format, *args):
        pass


def main(argv: list[str]) -> int:
    directory, port = argv
    handler = partial(DataDocsHandler, directory=directory)
    with ThreadingHTTPServer(("127.0.0.1", int(port)), handler) as server:
        server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
