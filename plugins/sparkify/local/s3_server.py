"""The local S3 and SQS API: moto's server application, served with HTTP keep-alive.

``python -m moto.server`` serves moto through werkzeug's development server, which
closes the connection after every response, and moto's dispatcher finds the service of
each request by listing moto's package folder and matching several hundred URL
patterns. Staging the catalogue paid a TCP connection, a server thread and that search
for each of its 14,896 objects. Here the same application (moto's dispatcher and
backends, so the same API and behaviour) runs under uvicorn, the server Airflow's API
server uses, which keeps connections open; the dispatcher remembers the backend of each
host it has resolved (a fixed answer for a running server). Requests without a body (reads,
listings) run on the server's event loop itself: moto holds the interpreter lock while it
serves them anyway, and passing each to a worker thread and its response back cost more
than moto's own work (staging the catalogue's 14,896 reads, 2.3 against 1.7 ms of the
server's processor time each). Requests with a body stream it to a worker thread.

One difference from ``moto.server``: an S3 metadata key written with an underscore comes
back dashed (werkzeug's handler in moto keeps its spelling); the pipeline writes none.

Run as ``python -m sparkify.local.s3_server PORT``; it listens on 127.0.0.1 only.
"""

from __future__ import annotations

import functools
import io
import os
import sys

import uvicorn
from a2wsgi import WSGIMiddleware
from a2wsgi.wsgi import build_environ
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

# Requests the server handles at once; moto serves them under one interpreter lock, so
# more threads only queue longer.
WORKER_THREADS = 8


class RememberingDispatcher(DomainDispatcherApplication):
    """moto's dispatcher, resolving each host to its backend once."""

    @functools.lru_cache(maxsize=256)
    def get_backend_for_host(self, host):
        return super().get_backend_for_host(host)


class BodilessOnLoop:
    """ASGI application: requests without a body go to the WSGI application on the
    event loop, the others to ``with_body`` (a2wsgi's threaded adapter)."""

    def __init__(self, app, with_body) -> None:
        self.app = app
        self.with_body = with_body

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD") or _announces_body(scope["headers"]):
            return await self.with_body(scope, receive, send)
        started = {}

        def start_response(status, headers, exc_info=None):
            started["status"] = int(status.split(" ", 1)[0])
            started["headers"] = [(name.lower().encode("latin1"), value.encode("latin1")) for name, value in headers]

        iterable = self.app(build_environ(scope, io.BytesIO()), start_response)
        try:
            body = b"".join(iterable)
        finally:
            if hasattr(iterable, "close"):
                iterable.close()
        await send({"type": "http.response.start", **started})
        await send({"type": "http.response.body", "body": body})


def _announces_body(headers) -> bool:
    return any(
        (name == b"content-length" and value != b"0") or name == b"transfer-encoding" for name, value in headers
    )


def main(port: int) -> None:
    # moto addresses itself by this port where a service calls another, as moto.server sets it.
    os.environ.setdefault("MOTO_PORT", str(port))
    app = RememberingDispatcher(create_backend_app)
    uvicorn.run(
        BodilessOnLoop(app, WSGIMiddleware(app, workers=WORKER_THREADS)),
        host="127.0.0.1",
        port=port,
        loop="uvloop",
        http="httptools",
        lifespan="off",
        access_log=False,
        log_level="warning",
    )


if __name__ == "__main__":
    main(int(sys.argv[1]))
