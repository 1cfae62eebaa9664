"""The loopback HTTP backends under the conformance cases: what the echo backend of
tests/mapping_support.py and the header backend of tests/proxy_support.py share.

``LoopbackHandler`` reads the request and answers ``/status/NNN`` with that status and
``{"message": "", "status_code": NNN}``, as LocalStack's status echo did for the recordings;
every other request goes to the subclass's ``_answer``. ``serve_backend`` runs a handler on a
free loopback port for as long as the fixture that yields from it lives.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import SplitResult, urlsplit


class LoopbackHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        parts = [part for part in url.path.split("/") if part]
        if parts[:1] == ["status"] and len(parts) == 2 and parts[1].isdigit():
            status = int(parts[1])
            self._reply(
                status, json.dumps({"message": "", "status_code": status}).encode(), "application/json"
            )
            return
        self._answer(body, url, parts)

    def _answer(self, body: bytes, url: SplitResult, parts: list[str]) -> None:
        """Answer a request that is not a status echo (``parts``: the path's segments)."""
        raise NotImplementedError

    def _reply(
        self, status: int, body: bytes, content_type: str, extra: Iterable[tuple[str, str]] = ()
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in extra:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

    def log_message(self, format: str, *args: object) -> None:
        pass


def serve_backend(handler: type[LoopbackHandler]) -> Iterator[str]:
    """The body of a backend fixture (``yield from serve_backend(Handler)``): yields the base
    URL (``http://127.0.0.1:PORT``) of ``handler`` served on loopback, then stops it."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
