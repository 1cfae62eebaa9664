"""Test support: free ports, a real upstream HTTP server, and the real `tollway serve` CLI.

The fixtures are re-exported by conftest.py; helpers are imported with ``from support import ...``.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import redis

REDIS_WAIT = 30.0  # generous: a loaded 2-core machine
REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"


SHARED_REDIS = "redis://127.0.0.1:6379/0"
"""The Redis CI starts (the machine's own); tests keep to their own keys in it."""


def shared_redis() -> redis.Redis:
    """A client of ``SHARED_REDIS``; without it the test fails under CI and skips elsewhere."""
    client = redis.Redis.from_url(SHARED_REDIS, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        client.close()
        reason = f"Redis is not reachable at {SHARED_REDIS} ({exc}); start redis-server to run this test"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return client


def keyed_mock_api(folder: Path, title: str) -> Path:
    """An OpenAPI file (``{folder}/{title}.json``) with one MOCK method, GET /paid, that needs
    an API key from x-api-key; deployed by `serve` as stage ``prod``."""
    mock = {
        "type": "mock",
        "requestTemplates": {"application/json": '{"statusCode": 200}'},
        "responses": {"default": {"statusCode": "200"}},
    }
    doc = {
        "openapi": "3.0.1",
        "info": {"title": title, "version": "1"},
        "components": {
            "securitySchemes": {"api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"}}
        },
        "paths": {"/paid": {"get": {"security": [{"api_key": []}], "x-amazon-apigateway-integration": mock}}},
    }
    return write(folder / f"{title}.json", json.dumps(doc))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _EchoHandler(BaseHTTPRequestHandler):
    """Upstream used by the tests. Answers a JSON description of the request it got.

    Special paths: ``/status/NNN`` answers that status; ``/slow/MS`` sleeps first;
    ``/binary`` answers four raw bytes as image/png; ``/text`` answers plain text;
    ``/reflect`` answers the request body as it came, with the request's Content-Type;
    ``/say/TEXT`` answers TEXT (percent-decoded) as text/plain.
    """

    protocol_version = "HTTP/1.1"
    server_version = "EchoUpstream/1.0"

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        parts = [p for p in url.path.split("/") if p]
        status = 200
        if parts[:1] == ["slow"] and len(parts) > 1:
            time.sleep(int(parts[1]) / 1000)
        if parts[:1] == ["status"] and len(parts) > 1:
            status = int(parts[1])
        if parts[:1] == ["binary"]:
            self._send(status, b"\x89PNG", "image/png")
            return
        if parts[:1] == ["text"]:
            self._send(status, b"plain words", "text/plain")
            return
        if parts[:1] == ["reflect"]:
            self._send(status, body, self.headers.get("Content-Type") or "application/octet-stream")
            return
        if parts[:1] == ["say"]:
            self._send(status, unquote("/".join(parts[1:])).encode(), "text/plain")
            return
        echo = {
            "method": self.command,
            "path": url.path,
            "query": parse_qs(url.query, keep_blank_values=True),
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body": body.decode("utf-8", "replace"),
            "body_b64": base64.b64encode(body).decode(),
        }
        self._send(status, json.dumps(echo).encode(), "application/json", {"X-Upstream": "yes"})

    def _send(self, status: int, body: bytes, ctype: str, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = _handle

    def log_message(self, format: str, *args: object) -> None:
        pass


@dataclass
class Upstream:
    url: str
    port: int


@pytest.fixture(scope="session")
def upstream() -> Iterator[Upstream]:
    """A real HTTP server on loopback that echoes what it receives."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _EchoHandler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_address[1]
    yield Upstream(f"http://127.0.0.1:{port}", int(port))
    server.shutdown()


@dataclass
class Running:
    """A `tollway serve` subprocess."""

    process: subprocess.Popen[str]
    port: int
    store: str

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> tuple[int, str, str]:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            out, err = self.process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            out, err = self.process.communicate()
        return self.process.returncode, out, err


def tollway_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "tollway.cli.main", *args]


def run_cli(*args: str, cwd: Path | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run the real CLI to completion."""
    return subprocess.run(
        tollway_cmd(*args), capture_output=True, text=True, timeout=timeout, cwd=cwd, env=_env()
    )


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("TOLLWAY_STORE", None)
    return env


def start_server(template: Path, store_dir: Path, *args: str, env: dict[str, str] | None = None) -> Running:
    """`tollway serve TEMPLATE ARGS` on a free port with its store in ``store_dir`` (and extra
    environment for the gateway); returns once it accepts connections."""
    port = free_port()
    store = f"sqlite:///{store_dir}/store.db"
    process = subprocess.Popen(
        tollway_cmd("--store", store, "serve", str(template), *args, "--port", str(port)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=store_dir,
        env={**_env(), **(env or {})},
    )
    running = Running(process, port, store)
    _wait_listening(running)
    return running


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., Running]]:
    """Start `tollway serve FILES... ARGS` on a free port; wait until it accepts connections."""
    started: list[Running] = []

    def start(*args: str, store: str | None = None, wait: bool = True) -> Running:
        port = free_port()
        store = store or f"sqlite:///{tmp_path}/store-{len(started)}.db"
        cmd = tollway_cmd("--store", store, "serve", *args, "--port", str(port))
        process = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path, env=_env()
        )
        running = Running(process, port, store)
        started.append(running)
        if wait:
            _wait_listening(running)
        return running

    yield start
    for running in started:
        running.stop()


def _wait_listening(running: Running, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if running.process.poll() is not None:
            out, err = running.process.communicate()
            raise AssertionError(f"tollway serve exited {running.process.returncode}:\n{out}\n{err}")
        try:
            with socket.create_connection(("127.0.0.1", running.port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError("tollway serve did not start listening in time")


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


class PrivateRedis:
    """A throwaway redis-server without persistence on its own port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        args = ["--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.proc = subprocess.Popen(["redis-server", *args], stdout=subprocess.DEVNULL)
        client = redis.Redis(port=self.port, socket_connect_timeout=1, socket_timeout=1)
        deadline = time.monotonic() + REDIS_WAIT
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise RuntimeError(f"private redis-server on port {self.port} did not start") from None
                time.sleep(0.05)
            finally:
                client.close()

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait(REDIS_WAIT)

    def bucket_exists(self, key: str) -> bool:
        client = redis.Redis(port=self.port, socket_timeout=REDIS_WAIT)
        try:
            return bool(client.exists(key))
        finally:
            client.close()


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    if shutil.which("redis-server") is None:
        reason = "redis-server is not installed; the outage tests start their own"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    server = PrivateRedis()
    server.start()
    yield server
    if server.proc is not None and server.proc.poll() is None:
        server.proc.send_signal(signal.SIGCONT)  # in case a test left it stopped
        server.kill()


class JwksServer:
    """A user pool's issuer on loopback: serves ``/.well-known/jwks.json`` with ``jwk`` (the
    public key as a JWK: ``RSAAlgorithm.to_jwk``), as kid ``k1``."""

    def __init__(self, jwk: dict[str, object]) -> None:
        body = json.dumps({"keys": [{**jwk, "kid": "k1", "alg": "RS256", "use": "sig"}]}).encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                found = self.path == "/.well-known/jwks.json"
                self.send_response(200 if found else 404)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body if found else b"{}")

            def log_message(self, format: str, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
