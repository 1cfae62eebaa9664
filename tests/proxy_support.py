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
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, parse_qs

import httpx
import pytest

from backend_support import LoopbackHandler, serve_backend
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


CLIENT_HEADERS = {
    "Accept": "application/json",
    "Accept-Charset": "UTF-8",
    "Accept-Encoding": "br",
    "Age": "request_Age",
    "Authorization": "Unauthorized",
    "Connection": "close",
    "Content-Encoding": "deflate",
    "Content-MD5": "request_Content-MD5",
    "Content-Type": "application/json",
    "Date": "request_Date",
    "Expect": "100-continue",
    "Max-Forwards": "2",
    "Pragma": "cache",
    "Proxy-Authenticate": "Basic",
    "Range": "bytes=500-999",
    "Referer": "https://example.com/",
    "Server": "https://example.com/",
    "TE": "deflate",
    "Trailer": "Expires",
    "Upgrade": "HTTP/2.0",
    "User-Agent": "localStack/0.0",
    "Via": "p.example.net",
    "Warn": "299 localStack/0.0",
    "WWW-Authenticate": "Basic YWxhZGRpbjpvcGVuc2VzYW1l",
}
"""What TestApiGatewayHeaderRemapping's recorded client sent (its ``Transfer-Encoding:
chunked`` on a body-less GET aside)."""

MAPPED_SENT = {
    "Accept": "text/html",
    "Accept-Charset": "UTF-16",
    "Accept-Encoding": "zstd",
    "Age": "request_params_age",
    "Authorization": "request_params_authorization",
    "Content-Encoding": "compress",
    "Content-MD5": "request_params_Content-MD5",
    "Max-Forwards": "2",
    "Pragma": "no-cache",
    "Range": "bytes=0-499",
    "Referer": "https://example.com/page",
    "Server": "https://example.com/page",
    "Trailer": "user-agent",
    "Upgrade": "HTTP/2.0",
    "User-Agent": "Override-Agent",
    "Warn": '110 anderson/1.3.37 "Response is stale"',
    "WWW-Authenticate": "Basic YWxhZGRpbjpvcGVuc2VzYW1l",
}
"""Headers the "full-integration" methods of HTTP and HTTP_PROXY map onto the request
(``HttpRequestParameters`` of proxy.yaml), as the backend gets them."""

PASSED_ANSWER = [
    "Accept",
    "Accept-Charset",
    "Accept-Encoding",
    "Age",
    "Content-Encoding",
    "Content-Type",
    "Pragma",
    "Range",
    "Referer",
    "TE",
    "Via",
    "Warn",
]
"""Method response headers ``'response_param_X'`` of a "full-integration" method (HTTP, AWS)
that come back under their own name."""

REMAPPED_ANSWER = [
    "Authorization",
    "Connection",
    "Content-Length",
    "Content-MD5",
    "Date",
    "Expect",
    "Host",
    "Max-Forwards",
    "Proxy-Authenticate",
    "Server",
    "Trailer",
    "Upgrade",
    "User-Agent",
    "WWW-Authenticate",
]
"""Method response headers of a "full-integration" method (HTTP, AWS) that API Gateway owns:
they come back as ``x-amzn-Remapped-X``."""


def recording(file: str, test: str) -> str:
    """The ``@pytest.mark.aws`` source of one recorded test of LocalStack's parity suite."""
    return f"{LS}{file}.snapshot.json::{SNAPSHOT_KEY}{file}.py::{test}"


class _Backend(LoopbackHandler):
    server_version = "HeaderBackend/1.0"

    def _answer(self, body: bytes, url: SplitResult, parts: list[str]) -> None:
        echo = {
            "headers": [[name, value] for name, value in self.headers.items()],
            "method": self.command,
            "path": url.path,
            "query": parse_qs(url.query, keep_blank_values=True),
            "body": body.decode("utf-8", "replace"),
        }
        answer = BACKEND_ANSWER_HEADERS if parts[:1] == ["answer"] else []
        self._reply(200, json.dumps(echo).encode(), "application/json", answer)

    do_OPTIONS = LoopbackHandler._handle


@pytest.fixture(scope="module")
def header_backend() -> Iterator[str]:
    """Base URL (``http://127.0.0.1:PORT``) of the backend described above."""
    yield from serve_backend(_Backend)


def serve_proxy_fixture(folder: Path, backend: str) -> Running:
    """`tollway serve` of ``fixtures/proxy/proxy.yaml`` with its ``Backend`` parameter set."""
    return start_server(FIXTURES / "proxy.yaml", folder, "--parameter-overrides", f"Backend={backend}")


def gateway_fixture(folder: str, *, client: bool = True) -> Any:
    """A module-scoped fixture: `tollway serve` of ``fixtures/proxy/proxy.yaml`` (in a temporary
    folder named ``folder``) in front of ``header_backend`` (which the test module imports),
    as an httpx client on stage ``test``, or with ``client=False`` as the ``Running`` server.
    Use: ``gateway = gateway_fixture("trace")``."""

    @pytest.fixture(scope="module")
    def gateway(header_backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
        running = serve_proxy_fixture(tmp_path_factory.mktemp(folder), header_backend)
        if client:
            with httpx.Client(base_url=f"{running.url}/test", timeout=30) as http:
                yield http
        else:
            yield running
        running.stop()

    return gateway


def served_api_id(gateway: httpx.Client) -> str:
    """The id of the API ``gateway`` talks to, as its ``/hardcoded`` function's event names it."""
    return str(gateway.get("/hardcoded").json()["event"]["requestContext"]["apiId"])


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
