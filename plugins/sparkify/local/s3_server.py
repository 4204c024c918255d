"""The local S3 and SQS API: moto's server application, served with HTTP keep-alive.

``python -m moto.server`` serves moto through werkzeug's development server, which
closes the connection after every response, and moto's dispatcher finds the service of
each request by listing moto's package folder and matching several hundred URL
patterns. Staging the catalogue paid a TCP connection, a server thread and that search
for each of its 14,896 objects. Here the same application (moto's dispatcher and
backends, so the same API and behaviour) runs under uvicorn, the server Airflow's API
server uses, which keeps connections open; the dispatcher remembers the backend of each
host it has resolved (a fixed answer for a running server).

One difference from ``moto.server``: an S3 metadata key written with an underscore comes
back dashed (werkzeug's handler in moto keeps its spelling); the pipeline writes none.

Run as ``python -m sparkify.local.s3_server PORT``; it listens on 127.0.0.1 only.
"""

from __future__ import annotations

import functools
import os
import sys

import uvicorn
from a2wsgi import WSGIMiddleware
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

# Requests the server handles at once; moto serves them under one interpreter lock, so
# more threads only queue longer.
WORKER_THREADS = 8


class RememberingDispatcher(DomainDispatcherApplication):
    """moto's dispatcher, resolving each host to its backend once."""

    @functools.lru_cache(maxsize=256)
    def get_backend_for_host(self, host):
        return super().get_backend_for_host(host)


def main(port: int) -> None:
    # moto addresses itself by this port where a service calls another, as moto.server sets it.
    os.environ.setdefault("MOTO_PORT", str(port))
    uvicorn.run(
        WSGIMiddleware(RememberingDispatcher(create_backend_app), workers=WORKER_THREADS),
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
