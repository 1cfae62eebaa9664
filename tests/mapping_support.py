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
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, parse_qs

import httpx
import pytest

from backend_support import LoopbackHandler, serve_backend
from support import Running, start_server

FIXTURES = Path(__file__).parent / "conformance" / "fixtures" / "mapping"
GUIDE = "https://docs.aws.amazon.com/apigateway/latest/developerguide/"
JSON_HEADERS = {"Content-Type": "application/json"}


class _Echo(LoopbackHandler):
    server_version = "ConformanceEcho/1.0"

    def _answer(self, body: bytes, url: SplitResult, parts: list[str]) -> None:
        if parts[:1] == ["reflect"]:
            self._reply(200, body, self.headers.get("Content-Type") or "application/octet-stream")
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
        self._reply(200, json.dumps(echo).encode(), "application/json")


@pytest.fixture(scope="session")
def echo_backend() -> Iterator[str]:
    """Base URL (``http://127.0.0.1:PORT``) of the echo backend described above."""
    yield from serve_backend(_Echo)


def serve_fixture(name: str, folder: Path, backend: str | None = None) -> Running:
    """`tollway serve` of ``fixtures/mapping/NAME`` (its ``Backend`` parameter set to ``backend``)."""
    args = ["--parameter-overrides", f"Backend={backend}"] if backend else []
    return start_server(FIXTURES / name, folder, *args)


def gateway_fixture(name: str, stage: str, *, backend: bool = True) -> Any:
    """A module-scoped fixture: an httpx client on stage ``stage`` of `tollway serve` of
    ``fixtures/mapping/NAME``, its ``Backend`` the ``echo_backend`` (which the test module
    imports) unless ``backend`` is False. Use: ``gateway = gateway_fixture("vtl.yaml", "vtl")``."""

    @pytest.fixture(scope="module")
    def gateway(
        request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
    ) -> Iterator[httpx.Client]:
        url = request.getfixturevalue("echo_backend") if backend else None
        running = serve_fixture(name, tmp_path_factory.mktemp(Path(name).stem), url)
        with httpx.Client(base_url=f"{running.url}/{stage}", timeout=30) as client:
            yield client
        running.stop()

    return gateway
