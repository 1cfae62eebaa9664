"""Helpers of the mapping-template conformance cases (tests/conformance/test_vtl*, test_mock*,
test_nonproxy*).

``echo_backend`` is a real HTTP server on loopback shaped like the backends the AWS recordings
were made with: ``/post`` (and any other path) answers httpbin's JSON description of the
request (``args``, ``data``, ``headers``, ``json``, ``url``, ``method``, ``path``);
``/status/NNN`` answers that status with ``{"message": "", "status_code": NNN}`` (LocalStack's
status echo); ``/reflect`` answers the request body as it came, with the request's
Content-Type (the Lambda function URL of ``test_input_body_formatting`` did the same).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from support import Running, start_server

FIXTURES = Path(__file__).parent / "conformance" / "fixtures" / "mapping"


class _Echo(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ConformanceEcho/1.0"

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        parts = [part for part in url.path.split("/") if part]
        if parts[:1] == ["status"] and len(parts) == 2 and parts[1].isdigit():
            status = int(parts[1])
            self._send(
                status, json.dumps({"message": "", "status_code": status}).encode(), "application/json"
            )
            return
        if parts[:1] == ["reflect"]:
            self._send(200, body, self.headers.get("Content-Type") or "application/octet-stream")
            return
        try:
            document = json.loads(body) if body else None
        except ValueError:
            document = None
        echo = {
            "args": {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()},
            "multiArgs": parse_qs(url.query, keep_blank_values=True),
            "data": body.decode("utf-8", "replace"),
            "headers": {name: value for name, value in self.headers.items()},
            "json": document,
            "method": self.command,
            "path": url.path,
            "url": f"http://{self.headers.get('Host', '')}{self.path}",
        }
        self._send(200, json.dumps(echo).encode(), "application/json")

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="session")
def echo_backend() -> Iterator[str]:
    """Base URL (``http://127.0.0.1:PORT``) of the echo backend described above."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def serve_fixture(name: str, folder: Path, backend: str | None = None) -> Running:
    """`tollway serve` of ``fixtures/mapping/NAME`` (its ``Backend`` parameter set to ``backend``)."""
    args = ["--parameter-overrides", f"Backend={backend}"] if backend else []
    return start_server(FIXTURES / name, folder, *args)
