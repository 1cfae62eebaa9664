"""Helpers of the header, proxy and trace conformance cases (tests/conformance/test_http_*,
test_lambda_proxy*, test_trace*).

``header_backend`` is a real HTTP server on loopback that answers, for any path, a JSON
description of the request it got: ``headers`` as ``[name, value]`` pairs in the order and
spelling they arrived (repeated names kept), ``method``, ``path``, ``query`` (every value) and
``body``. ``/status/NNN`` answers that status with ``{"message": "", "status_code": NNN}``, as
LocalStack's status echo did for the recordings; ``/answer`` adds the response headers the
recorded backends sent (a Lambda function URL and httpbin: ``Connection: keep-alive``,
``x-amzn-RequestId``, ``X-Amzn-Trace-Id``, CORS headers), plus ``WWW-Authenticate``.
"""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from support import Running, start_server

FIXTURES = Path(__file__).parent / "conformance" / "fixtures" / "proxy"
LS = "localstack:tests/aws/services/apigateway/"
SNAPSHOT_KEY = "tests/aws/services/apigateway/"
INTERNAL_ERROR = {"message": "Internal server error"}

BACKEND_ANSWER_HEADERS = [
    ("Access-Control-Allow-Origin", "*"),
    ("Access-Control-Allow-Credentials", "true"),
    ("Connection", "keep-alive"),
    ("x-amzn-RequestId", "0b7f4f4e-6a2b-4c47-9a39-2ea3c8a1f0b1"),
    ("X-Amzn-Trace-Id", "root=1-67891233-abcdef012345678912345678;sampled=0"),
    ("WWW-Authenticate", 'Basic realm="backend"'),
]


def recording(file: str, test: str) -> str:
    """The ``@pytest.mark.aws`` source of one recorded test of LocalStack's parity suite."""
    return f"{LS}{file}.snapshot.json::{SNAPSHOT_KEY}{file}.py::{test}"


class _Backend(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "HeaderBackend/1.0"

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        parts = [part for part in url.path.split("/") if part]
        if parts[:1] == ["status"] and len(parts) == 2 and parts[1].isdigit():
            status = int(parts[1])
            self._send(status, {"message": "", "status_code": status})
            return
        echo = {
            "headers": [[name, value] for name, value in self.headers.items()],
            "method": self.command,
            "path": url.path,
            "query": parse_qs(url.query, keep_blank_values=True),
            "body": body.decode("utf-8", "replace"),
        }
        self._send(200, echo, BACKEND_ANSWER_HEADERS if parts[:1] == ["answer"] else [])

    def _send(self, status: int, document: Any, extra: list[tuple[str, str]] | None = None) -> None:
        body = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in extra or []:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _handle

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def header_backend() -> Iterator[str]:
    """Base URL (``http://127.0.0.1:PORT``) of the backend described above."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Backend)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def serve_proxy_fixture(folder: Path, backend: str) -> Running:
    """`tollway serve` of ``fixtures/proxy/proxy.yaml`` with its ``Backend`` parameter set."""
    return start_server(FIXTURES / "proxy.yaml", folder, "--parameter-overrides", f"Backend={backend}")


def received(response: httpx.Response) -> dict[str, list[str]]:
    """The headers the backend got (lower-cased name -> values), from its echo."""
    headers: dict[str, list[str]] = {}
    for name, value in response.json()["headers"]:
        headers.setdefault(name.lower(), []).append(value)
    return headers


def send(
    port: int, method: str, target: str, headers: dict[str, str] | None = None, body: bytes = b""
) -> tuple[int, Any]:
    """One request with ``target`` exactly as written (``//test/x``: HTTP clients would
    normalise it); returns the status and the decoded JSON answer."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, target, body=body or None, headers=headers or {})
        answer = connection.getresponse()
        return answer.status, json.loads(answer.read())
    finally:
        connection.close()
