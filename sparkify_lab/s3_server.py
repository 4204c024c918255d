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

An object's body is sent as it is read, as S3 does. moto keeps an object larger than its
buffer (1 MiB) in a temporary file and reads all of it into memory before the first byte
of a GET. For a 468 MB object (the bench's hour) that was 0.36 to 0.66 s before the
reader could start, and 0.45 to 0.7 s of the server's processor time, mostly the
kernel's, a GET; in the bench's later turns, up to 2.3 s. Here moto still decides the
status and headers of such a GET (authorisation, conditions, ranges) and its bytes go out
in chunks read from that file: the first byte after 0.01 s, 0.2 s of processor time a
GET.

One difference from ``moto.server``: an S3 metadata key written with an underscore comes
back dashed (werkzeug's handler in moto keeps its spelling); the pipeline writes none.

Run as ``python -m sparkify_lab.s3_server PORT``; it listens on 127.0.0.1 only.
"""

from __future__ import annotations

import contextvars
import functools
import io
import os
import sys

import uvicorn
from a2wsgi import WSGIMiddleware
from a2wsgi.wsgi import build_environ
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from moto.s3.models import FakeKey
from moto.s3.responses import S3Response

# Requests the server handles at once; moto serves them under one interpreter lock, so
# more threads only queue longer.
WORKER_THREADS = 8
# Bytes read from an object's file, and sent, at a time.
STREAM_CHUNK = 1 << 20

_IN_GET_OBJECT = contextvars.ContextVar("in_get_object", default=False)


class RememberingDispatcher(DomainDispatcherApplication):
    """moto's dispatcher, resolving each host to its backend once."""

    @functools.lru_cache(maxsize=256)
    def get_backend_for_host(self, host):
        return super().get_backend_for_host(host)


class ObjectFile:
    """The bytes ``start`` to ``stop`` of the file holding the object ``source``, read a
    chunk at a time as they are iterated. moto slices a body for a Range request; a slice
    shares the file, and closing either closes it."""

    def __init__(self, file, start: int, stop: int, source: str) -> None:
        self.file = file
        self.start = start
        self.stop = stop
        self.source = source

    def __len__(self) -> int:
        return self.stop - self.start

    def __getitem__(self, window: slice) -> ObjectFile:
        start, stop, _ = window.indices(len(self))
        return ObjectFile(self.file, self.start + start, self.start + max(start, stop), self.source)

    def __iter__(self):
        offset = self.start
        while offset < self.stop:
            # pread: concurrent GETs of one object share no file position.
            chunk = os.pread(self.file.fileno(), min(STREAM_CHUNK, self.stop - offset), offset)
            if not chunk:
                raise OSError(f"{self.source}: the stand-in's file ends {self.stop - offset} bytes short, at byte {offset}")
            offset += len(chunk)
            yield chunk

    def close(self) -> None:
        self.file.close()


def _get_object_streamed(get_object):
    @functools.wraps(get_object)
    def in_get_object(self):
        token = _IN_GET_OBJECT.set(True)
        try:
            return get_object(self)
        finally:
            _IN_GET_OBJECT.reset(token)

    return in_get_object


def _value_streamed(value: property) -> property:
    def streamed_value(key):
        buffer = key._value_buffer
        if not (_IN_GET_OBJECT.get() and buffer._rolled):
            return value.fget(key)
        # A file of its own: the object may be replaced (and moto close its file) while
        # the body is still being sent.
        file = os.fdopen(os.dup(buffer.fileno()), "rb", buffering=0)
        return ObjectFile(file, 0, key.size, f"s3://{key.bucket_name}/{key.name}")

    return property(streamed_value, value.fset)


def stream_object_bodies() -> None:
    """moto's GET of an object kept in a file returns an :class:`ObjectFile` as its body
    (everything else in moto still reads whole values)."""
    S3Response.get_object = _get_object_streamed(S3Response.get_object)
    FakeKey.value = _value_streamed(FakeKey.value)


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
            chunks = iter(iterable)
            chunk = next(chunks, b"")
            await send({"type": "http.response.start", **started})
            # One message for a body of one chunk (all but objects kept in files).
            for following in chunks:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
                chunk = following
            await send({"type": "http.response.body", "body": chunk})
        finally:
            if hasattr(iterable, "close"):
                iterable.close()


def _announces_body(headers) -> bool:
    return any(
        (name == b"content-length" and value != b"0") or name == b"transfer-encoding" for name, value in headers
    )


def main(port: int) -> None:
    # moto addresses itself by this port where a service calls another, as moto.server sets it.
    os.environ.setdefault("MOTO_PORT", str(port))
    stream_object_bodies()
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
