"""Request framing and smuggling, against the real `tollway serve` over raw sockets.

Every vector is a request whose length or boundaries two HTTP parsers could read differently
(the classic CL.TE / TE.CL desyncs, obfuscated or duplicated framing headers, bare LF,
obsolete line folding, odd targets and versions). Each one must get a single 4xx/5xx answer
and a closed connection, so that nothing after it on that connection can be read as a
request. The upstream behind an HTTP_PROXY route keeps a record of every request it got: the
differential oracle that no smuggled request reached it.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from support import Running, start_server, write

HOST = b"Host: 127.0.0.1\r\n"
MOCK = b"/prod/mock"
PROXY = b"/prod/proxy/legit"
SMUGGLED = "smuggled"
"""No request the gateway routes has this in its path; the upstream must never see it."""


@dataclass
class Record:
    paths: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Recorder(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    record: Record

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        with self.record.lock:
            self.record.paths.append(self.path)
        body = b'{"upstream":true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = _answer

    def log_message(self, format: str, *args: object) -> None:
        pass


@dataclass
class Served:
    gateway: Running
    record: Record


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    record = Record()
    handler = type("Recorder", (_Recorder,), {"record": record})
    upstream = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    upstream.daemon_threads = True
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    folder = tmp_path_factory.mktemp("framing")
    mock = {
        "type": "mock",
        "requestTemplates": {"application/json": '{"statusCode": 200}'},
        "responses": {"default": {"statusCode": "200", "responseTemplates": {"application/json": "{}"}}},
    }
    doc = {
        "openapi": "3.0.1",
        "info": {"title": "framing", "version": "1"},
        "paths": {
            "/mock": {
                "get": {"x-amazon-apigateway-integration": mock},
                "post": {"x-amazon-apigateway-integration": mock},
            },
            "/proxy/{proxy+}": {
                "x-amazon-apigateway-any-method": {
                    "x-amazon-apigateway-integration": {
                        "type": "http_proxy",
                        "httpMethod": "ANY",
                        "uri": f"http://127.0.0.1:{upstream.server_address[1]}/{{proxy}}",
                    }
                }
            },
        },
    }
    gateway = start_server(write(folder / "api.json", json.dumps(doc)), folder)
    yield Served(gateway, record)
    gateway.stop()
    upstream.shutdown()


@dataclass
class Exchange:
    statuses: list[int]
    closed: bool
    raw: bytes


def exchange(port: int, data: bytes, wait_s: float = 5.0) -> Exchange:
    """Send ``data`` in one write, read until the server closes (or ``wait_s`` passes)."""
    with socket.create_connection(("127.0.0.1", port), timeout=wait_s) as sock:
        sock.sendall(data)
        received = b""
        closed = False
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                break
            except ConnectionResetError:
                closed = True
                break
            if not chunk:
                closed = True
                break
            received += chunk
    return Exchange(statuses(received), closed, received)


def statuses(raw: bytes) -> list[int]:
    """The status codes of the responses in ``raw``, in order (bodies skipped by length)."""
    found = []
    rest = raw
    while rest.startswith(b"HTTP/1."):
        head, _, rest = rest.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ")[1])
        length = 0
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        if status >= 200:
            found.append(status)
        rest = rest[length:]
    return found


def request(target: bytes, headers: bytes = b"", body: bytes = b"", method: bytes = b"POST") -> bytes:
    return method + b" " + target + b" HTTP/1.1\r\n" + HOST + headers + b"\r\n" + body


CHUNKED = b"Transfer-Encoding: chunked\r\n"
SMUGGLE = b"GET /prod/proxy/" + SMUGGLED.encode() + b" HTTP/1.1\r\n" + HOST + b"\r\n"
CHUNKED_SMUGGLE = b"0\r\n\r\n" + SMUGGLE

GET = request(MOCK, method=b"GET")

# (name, bytes): each must be refused on its own connection.
VECTORS: list[tuple[str, bytes]] = [
    # Content-Length with Transfer-Encoding, either order (CL.TE and TE.CL desyncs).
    ("cl-then-te", request(PROXY, b"Content-Length: 4\r\nTransfer-Encoding: chunked\r\n", CHUNKED_SMUGGLE)),
    ("te-then-cl", request(PROXY, b"Transfer-Encoding: chunked\r\nContent-Length: 4\r\n", CHUNKED_SMUGGLE)),
    (
        "te-then-cl-te.cl",
        request(PROXY, b"Transfer-Encoding: chunked\r\nContent-Length: 3\r\n", b"5c\r\n" + SMUGGLE),
    ),
    # Duplicate or malformed Content-Length.
    (
        "cl-duplicate-differing",
        request(PROXY, b"Content-Length: 2\r\nContent-Length: 40\r\n", b"ab" + SMUGGLE),
    ),
    ("cl-duplicate-equal", request(PROXY, b"Content-Length: 2\r\nContent-Length: 2\r\n", b"ab")),
    ("cl-list", request(PROXY, b"Content-Length: 2, 2\r\n", b"ab")),
    ("cl-plus", request(PROXY, b"Content-Length: +5\r\n", b"abcde")),
    ("cl-minus", request(PROXY, b"Content-Length: -1\r\n", b"a")),
    ("cl-hex", request(PROXY, b"Content-Length: 0x5\r\n", b"abcde")),
    ("cl-two-numbers", request(PROXY, b"Content-Length: 5 5\r\n", b"abcde")),
    ("cl-25-digits", request(PROXY, b"Content-Length: 1234567890123456789012345\r\n", b"abcde")),
    ("cl-empty", request(PROXY, b"Content-Length: \r\n", b"")),
    ("cl-underscore", request(PROXY, b"Content-Length: 1_0\r\n", b"a")),
    # Obfuscated Transfer-Encoding.
    ("te-chunked-identity", request(PROXY, b"Transfer-Encoding: chunked, identity\r\n", CHUNKED_SMUGGLE)),
    ("te-xchunked", request(PROXY, b"Transfer-Encoding: xchunked\r\n", CHUNKED_SMUGGLE)),
    ("te-identity", request(PROXY, b"Transfer-Encoding: identity\r\n", CHUNKED_SMUGGLE)),
    (
        "te-duplicate",
        request(PROXY, b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", CHUNKED_SMUGGLE),
    ),
    ("te-space-before-colon", request(PROXY, b"Transfer-Encoding : chunked\r\n", CHUNKED_SMUGGLE)),
    ("te-tab-value", request(PROXY, b"Transfer-Encoding:\tchunked\x0b\r\n", CHUNKED_SMUGGLE)),
    (
        "te-http10",
        b"POST /prod/proxy/legit HTTP/1.0\r\n"
        + HOST
        + b"Transfer-Encoding: chunked\r\n\r\n"
        + CHUNKED_SMUGGLE,
    ),
    # Bare LF where CRLF belongs.
    ("lf-request-line", b"GET /prod/mock HTTP/1.1\n" + HOST + b"\r\n"),
    ("lf-header", b"GET /prod/mock HTTP/1.1\r\nHost: 127.0.0.1\nX-A: b\r\n\r\n"),
    ("lf-end-of-headers", b"GET /prod/mock HTTP/1.1\r\n" + HOST + b"\n"),
    ("lf-chunk-size", request(PROXY, CHUNKED, b"2\nab\r\n0\r\n\r\n")),
    ("lf-chunk-data", request(PROXY, CHUNKED, b"2\r\nab\n0\r\n\r\n")),
    ("cr-alone", b"GET /prod/mock HTTP/1.1\r" + HOST + b"\r\n"),
    # Chunk sizes.
    ("chunk-size-overflow", request(PROXY, CHUNKED, b"fffffffffffffffff1\r\nab\r\n0\r\n\r\n")),
    ("chunk-size-not-hex", request(PROXY, CHUNKED, b"zz\r\nab\r\n0\r\n\r\n")),
    ("chunk-size-negative", request(PROXY, CHUNKED, b"-2\r\nab\r\n0\r\n\r\n")),
    ("chunk-size-space", request(PROXY, CHUNKED, b"2 2\r\nab\r\n0\r\n\r\n")),
    ("chunk-data-overrun", request(PROXY, CHUNKED, b"2\r\nabc\r\n0\r\n\r\n")),
    # Obsolete line folding.
    ("obs-fold", b"GET /prod/mock HTTP/1.1\r\n" + HOST + b"X-A: a\r\n b\r\n\r\n"),
    ("obs-fold-te", request(PROXY, b"X-A: a\r\nTransfer-Encoding:\r\n chunked\r\n", CHUNKED_SMUGGLE)),
    # Header syntax.
    ("header-name-space", b"GET /prod/mock HTTP/1.1\r\n" + HOST + b"X A: b\r\n\r\n"),
    ("header-no-colon", b"GET /prod/mock HTTP/1.1\r\n" + HOST + b"X-A\r\n\r\n"),
    ("header-nul", b"GET /prod/mock HTTP/1.1\r\n" + HOST + b"X-A: a\x00b\r\n\r\n"),
    ("header-leading-space", b"GET /prod/mock HTTP/1.1\r\n Host: 127.0.0.1\r\n\r\n"),
    # Targets.
    ("absolute-form", b"GET http://127.0.0.1/prod/mock HTTP/1.1\r\n" + HOST + b"\r\n"),
    ("absolute-form-other-host", b"GET http://evil.example" + SMUGGLE[4:]),
    ("asterisk-form", b"OPTIONS * HTTP/1.1\r\n" + HOST + b"\r\n"),
    ("authority-form", b"CONNECT 127.0.0.1:80 HTTP/1.1\r\n" + HOST + b"\r\n"),
    ("target-space", b"GET /prod/mock x HTTP/1.1\r\n" + HOST + b"\r\n"),
    ("target-control-char", b"GET /prod/mo\x01ck HTTP/1.1\r\n" + HOST + b"\r\n"),
    # Versions.
    ("http-0.9", b"GET /prod/mock\r\n\r\n"),
    ("http-1.2", b"GET /prod/mock HTTP/1.2\r\n" + HOST + b"\r\n"),
    ("http-2.0", b"GET /prod/mock HTTP/2.0\r\n" + HOST + b"\r\n"),
    ("http-9.9", b"GET /prod/mock HTTP/9.9\r\n" + HOST + b"\r\n"),
    ("http-lowercase", b"GET /prod/mock http/1.1\r\n" + HOST + b"\r\n"),
    ("h2-preface", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
    # HTTP/1.1 without Host.
    ("no-host", b"GET /prod/mock HTTP/1.1\r\n\r\n"),
    ("two-hosts", b"GET /prod/mock HTTP/1.1\r\n" + HOST + b"Host: evil.example\r\n\r\n"),
]


def _refused(result: Exchange) -> str:
    """Why ``result`` is not a clean refusal, or '' when it is."""
    if len(result.statuses) != 1:
        return f"expected one answer, got {result.statuses}: {result.raw[:200]!r}"
    if result.statuses[0] not in (400, 413, 417, 431, 501, 505):
        return f"answered {result.statuses[0]}: {result.raw[:200]!r}"
    if not result.closed:
        return "the connection stayed open"
    return ""


def test_every_framing_vector_is_refused_and_its_connection_closed(served: Served) -> None:
    port = served.gateway.port
    with ThreadPoolExecutor(max_workers=24) as pool:
        results = list(pool.map(lambda vector: exchange(port, vector[1]), VECTORS))
    verdicts = ((name, _refused(result)) for (name, _), result in zip(VECTORS, results, strict=True))
    failures = {name: why for name, why in verdicts if why}
    assert failures == {}, "\n".join(f"{name}: {why}" for name, why in failures.items())
    with served.record.lock:
        reached = list(served.record.paths)
    assert not [path for path in reached if SMUGGLED in path]


@pytest.mark.parametrize(
    ("name", "data", "answered"),
    [
        # A valid request, then one that breaks framing: the first is answered, the second
        # refused, and nothing after it is read.
        ("valid-then-cl-te", GET + VECTORS[0][1] + SMUGGLE, [200, 400]),
        (
            "valid-then-bad-cl",
            GET + request(PROXY, b"Content-Length: 0x5\r\n", b"abcde") + SMUGGLE,
            [200, 400],
        ),
        ("two-valid-then-garbage", GET * 2 + b"\x00\x01\r\n\r\n" + SMUGGLE, [200, 200, 400]),
    ],
)
def test_pipelined_requests_stop_at_the_first_that_breaks_framing(
    served: Served, name: str, data: bytes, answered: list[int]
) -> None:
    result = exchange(served.gateway.port, data)
    assert result.statuses == answered, result.raw[:400]
    assert result.closed
    with served.record.lock:
        assert not [path for path in served.record.paths if SMUGGLED in path]


def test_pipelined_valid_requests_reach_the_upstream_exactly_once_each(served: Served) -> None:
    """The control: what is well framed is routed, one upstream request per client request."""
    paths = [f"/prod/proxy/pipelined-{n}" for n in range(3)]
    framed = [
        request(p.encode(), b"Content-Length: 2\r\n", b"ab")
        if n % 2
        else request(p.encode(), CHUNKED, b"2\r\nab\r\n0\r\n\r\n")
        for n, p in enumerate(paths)
    ]
    data = b"".join(framed) + request(MOCK, b"Connection: close\r\n", method=b"GET")
    result = exchange(served.gateway.port, data)
    assert result.statuses == [200, 200, 200, 200]
    assert result.closed
    with served.record.lock:
        reached = [path for path in served.record.paths if "pipelined-" in path]
    assert reached == [f"/pipelined-{n}" for n in range(3)]


@pytest.mark.parametrize("protocol", [b"h2c", b"websocket"])
def test_an_upgrade_it_does_not_speak_is_answered_in_http_1_1_then_closed(
    served: Served, protocol: bytes
) -> None:
    """RFC 9110 7.8 lets a server ignore Upgrade (curl --http2 sends h2c on http URLs); the
    parser stops at it, so the connection closes and what follows is never read."""
    upgrade = b"Connection: Upgrade\r\nUpgrade: " + protocol + b"\r\n"
    smuggled = request(b"/prod/proxy/" + SMUGGLED.encode(), method=b"GET")
    result = exchange(served.gateway.port, request(MOCK, upgrade, method=b"GET") + smuggled)
    assert result.statuses == [200]
    assert b"connection: close" in result.raw
    assert result.closed
    with served.record.lock:
        assert not [path for path in served.record.paths if SMUGGLED in path]


def test_expect_100_continue_gets_the_interim_answer_then_the_final_one(served: Served) -> None:
    with socket.create_connection(("127.0.0.1", served.gateway.port), timeout=5) as sock:
        sock.sendall(request(MOCK, b"Content-Length: 2\r\nExpect: 100-continue\r\n"))
        assert sock.recv(1024) == b"HTTP/1.1 100 Continue\r\n\r\n"
        sock.sendall(b"{}")
        head = sock.recv(65536)
    assert head.startswith(b"HTTP/1.1 200 ")


def test_expect_100_continue_over_the_size_limit_is_refused_before_the_body(served: Served) -> None:
    with socket.create_connection(("127.0.0.1", served.gateway.port), timeout=5) as sock:
        sock.sendall(request(MOCK, b"Content-Length: 20000000\r\nExpect: 100-continue\r\n"))
        answer = sock.recv(65536)
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert b"100 Continue" not in answer


def test_unknown_expectation_is_answered_417(served: Served) -> None:
    result = exchange(served.gateway.port, request(MOCK, b"Content-Length: 2\r\nExpect: 200-ok\r\n", b"{}"))
    assert result.statuses == [417]
    assert result.closed


def test_framing_refusals_do_not_kill_or_wedge_the_gateway(served: Served) -> None:
    result = exchange(served.gateway.port, request(MOCK, b"Connection: close\r\n", method=b"GET"))
    assert result.statuses == [200]
    assert served.gateway.process.poll() is None
