"""A real HTTP listener on 127.0.0.1 standing in for a Slack incoming webhook: it keeps
every POSTed JSON payload, so the demo and the tests can show exactly what Slack got."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

WEBHOOK_PATH = "/services"
WEBHOOK_TOKEN = "T000/B000/XXXX"


class SlackStandIn:
    """Use as a context manager; ``received`` holds (path, payload) of each POST."""

    def __init__(self) -> None:
        self.received: list[tuple[str, dict]] = []
        received = self.received

        class Webhook(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append((self.path, json.loads(body)))
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Webhook)

    @property
    def connection(self) -> str:
        """The ``slackwebhook`` Airflow connection (JSON) that posts here."""
        host = f"http://127.0.0.1:{self._server.server_port}{WEBHOOK_PATH}"
        return json.dumps({"conn_type": "slackwebhook", "host": host, "password": WEBHOOK_TOKEN})

    def __enter__(self) -> SlackStandIn:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
