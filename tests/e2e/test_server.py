"""End to end: addressing, HTTP/1.1 behaviour, limits, redeploys, workers and shutdown."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from e2e.polling import wait_until
from support import EXAMPLES, Running, Upstream, run_cli, write


def _template(tmp_path: Path, upstream: Upstream, color: str = "blue", name: str = "template.yaml") -> Path:
    """A SAM template whose integration URI uses a stage variable."""
    text = f"""
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  ColorApi:
    Type: AWS::Serverless::Api
    Properties:
      StageName: Live
      Variables:
        backend: 127.0.0.1:{upstream.port}
        color: {color}
      DefinitionBody:
        swagger: "2.0"
        info: {{title: colors, version: "1"}}
        paths:
          /color:
            get:
              x-amazon-apigateway-integration:
                type: http_proxy
                httpMethod: GET
                uri: http://${{stageVariables.backend}}/color/${{stageVariables.color}}
          /slow:
            get:
              x-amazon-apigateway-integration:
                type: http_proxy
                httpMethod: GET
                uri: http://${{stageVariables.backend}}/slow/1500
"""
    return write(tmp_path / name, text)


def test_stage_variables_in_integration_uri(serve: Any, tmp_path: Path, upstream: Upstream) -> None:
    server = serve(str(_template(tmp_path, upstream)))
    assert httpx.get(f"{server.url}/Live/color").json()["path"] == "/color/blue"


def test_addressing_by_host_and_by_restapis_path(serve: Any, tmp_path: Path, upstream: Upstream) -> None:
    server = serve(str(_template(tmp_path, upstream)))
    listed = run_cli("--store", server.store, "apis", "list")
    api_id = listed.stdout.split()[0]
    by_host = httpx.get(f"{server.url}/Live/color", headers={"Host": f"{api_id}.execute-api.localhost:1234"})
    assert by_host.json()["path"] == "/color/blue"
    by_path = httpx.get(f"{server.url}/restapis/{api_id}/Live/_user_request_/color")
    assert by_path.json()["path"] == "/color/blue"
    wrong_api = httpx.get(f"{server.url}/Live/color", headers={"Host": "zzzzzzzzzz.execute-api.localhost"})
    assert wrong_api.status_code == 403


def test_serve_prints_every_stage_url(serve: Any, tmp_path: Path, upstream: Upstream) -> None:
    server = serve(str(_template(tmp_path, upstream)))
    # Answered: the worker's loop runs and handles SIGTERM (the socket accepts connections,
    # which is all `serve` waits for, before the worker has installed its signal handlers).
    httpx.get(f"{server.url}/Live/color", timeout=10)
    code, out, _ = server.stop()
    assert code == 0
    assert f"http://127.0.0.1:{server.port}/Live/" in out
    assert ".execute-api.localhost:" in out


def _wait_forwarded(server: Running, upstream: Upstream) -> None:
    """Wait until the gateway holds a connection to the upstream: the request just sent to a
    fresh server is addressed and in flight (``/slow`` then takes 1.5 s upstream)."""
    wait_until(
        lambda: _connected_to(server.process.pid, upstream.port),
        timeout=10,
        what=f"tollway serve (pid {server.process.pid}) to connect to the upstream on port {upstream.port}",
    )


def test_redeploy_swaps_snapshot_while_requests_in_flight_finish(
    serve: Any, tmp_path: Path, upstream: Upstream
) -> None:
    path = _template(tmp_path, upstream)
    server = serve(str(path))
    slow: dict[str, Any] = {}

    def call_slow() -> None:
        slow["response"] = httpx.get(f"{server.url}/Live/slow", timeout=10)

    thread = threading.Thread(target=call_slow)
    thread.start()
    _wait_forwarded(server, upstream)
    _template(tmp_path, upstream, color="green")
    imported = run_cli("--store", server.store, "import", str(path))
    assert imported.returncode == 0, imported.stderr
    deadline = time.monotonic() + 10
    seen = ""
    while time.monotonic() < deadline:
        seen = httpx.get(f"{server.url}/Live/color").json()["path"]
        if seen == "/color/green":
            break
        time.sleep(0.1)
    assert seen == "/color/green"
    thread.join()
    assert slow["response"].status_code == 200


def _workers(pid: int) -> list[int]:
    """The worker processes of a `serve --workers N` parent (Linux /proc)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(child) for child in children]


def _sockets(pid: int) -> set[str]:
    found = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):
            target = os.readlink(fd)
            if target.startswith("socket:"):
                found.add(target)
    return found


def _connected_to(pid: int, port: int) -> bool:
    """Whether process ``pid`` holds an established TCP connection to 127.0.0.1:``port``
    (Linux /proc/net/tcp: local and remote address, state, ..., inode in the 10th column)."""
    inodes = {target.removeprefix("socket:[").removesuffix("]") for target in _sockets(pid)}
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[2] == f"0100007F:{port:04X}" and fields[3] == "01" and fields[9] in inodes:
            return True
    return False


def _wait_for_workers(pid: int, done: Callable[[list[int]], bool]) -> list[int]:
    """The parent binds the port before it forks: wait (bounded) for the workers to appear."""
    deadline = time.monotonic() + 15
    found = _workers(pid)
    while not done(found) and time.monotonic() < deadline:
        time.sleep(0.05)
        found = _workers(pid)
    return found


def test_two_workers_share_the_port(serve: Any, tmp_path: Path, upstream: Upstream) -> None:
    """`--workers 2`: two processes hold the one listening socket; a worker that dies is
    replaced and the port keeps answering."""
    server = serve(str(_template(tmp_path, upstream)), "--workers", "2")
    pid = server.process.pid
    workers = _wait_for_workers(pid, lambda found: len(found) == 2)
    assert len(workers) == 2
    shared = _sockets(pid)
    assert all(shared & _sockets(worker) for worker in workers)
    os.kill(workers[0], signal.SIGKILL)
    replaced = _wait_for_workers(pid, lambda found: len(found) == 2 and workers[0] not in found)
    assert len(replaced) == 2 and workers[0] not in replaced and workers[1] in replaced
    with httpx.Client() as client:
        for _ in range(20):
            assert client.get(f"{server.url}/Live/color").status_code == 200


def test_graceful_shutdown_finishes_in_flight_requests(
    serve: Any, tmp_path: Path, upstream: Upstream
) -> None:
    server = serve(str(_template(tmp_path, upstream)))
    result: dict[str, Any] = {}

    def call_slow() -> None:
        result["response"] = httpx.get(f"{server.url}/Live/slow", timeout=10)

    thread = threading.Thread(target=call_slow)
    thread.start()
    _wait_forwarded(server, upstream)
    server.process.send_signal(signal.SIGTERM)
    thread.join()
    assert result["response"].status_code == 200
    assert server.process.wait(timeout=15) == 0


def _raw(port: int, data: bytes, expect: int = 1, timeout: float = 5) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        chunks = b""
        while chunks.count(b"HTTP/1.1 ") < expect or not chunks.endswith(b"}"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks += chunk
        return chunks


def test_pipelined_requests_are_answered_in_order(serve: Any) -> None:
    server = serve(str(EXAMPLES / "petstore" / "openapi.yaml"))
    request = b"GET /prod/pets/%d HTTP/1.1\r\nHost: x\r\n\r\n"
    data = _raw(server.port, request % 1 + request % 2 + request % 3, expect=3)
    bodies = [part for part in data.split(b"HTTP/1.1 ")[1:]]
    assert len(bodies) == 3
    assert [b'"id": %d' % n in body for n, body in zip((1, 2, 3), bodies, strict=True)] == [True] * 3


def test_payload_over_10_mb_is_413(serve: Any) -> None:
    server = serve(str(EXAMPLES / "petstore" / "openapi.yaml"))
    response = httpx.post(f"{server.url}/prod/pets", content=b"x" * (10 * 1024 * 1024 + 1), timeout=30)
    assert response.status_code == 413
    assert response.json() == {"message": "Request Too Long"}


def test_headers_over_the_limit_are_431(serve: Any) -> None:
    server = serve(str(EXAMPLES / "petstore" / "openapi.yaml"))
    response = httpx.get(f"{server.url}/prod/pets", headers={"X-Big": "a" * 11000})
    assert response.status_code == 431


def test_every_response_carries_a_request_id(serve: Any) -> None:
    server = serve(str(EXAMPLES / "petstore" / "openapi.yaml"))
    ids = {httpx.get(f"{server.url}/prod/pets").headers["x-amzn-RequestId"] for _ in range(3)}
    assert len(ids) == 3
    assert "x-amzn-RequestId" in httpx.get(f"{server.url}/prod/nothing").headers


def test_examples_serve(serve: Any) -> None:
    pets = serve(str(EXAMPLES / "petstore" / "openapi.yaml"))
    listing = httpx.get(f"{pets.url}/prod/pets")
    assert listing.status_code == 200
    assert [p["type"] for p in listing.json()] == ["dog", "cat", "fish"]
    assert [p["type"] for p in httpx.get(f"{pets.url}/prod/pets?type=cat").json()] == ["cat"]
    assert httpx.get(f"{pets.url}/prod/pets/2").json() == {"id": 2, "type": "pet"}
    missing = httpx.get(f"{pets.url}/prod/pets/9")
    assert (missing.status_code, missing.json()) == (404, {"message": "Pet 9 not found"})
    # customised MISSING_AUTHENTICATION_TOKEN gateway response with $context substitution
    nope = httpx.get(f"{pets.url}/prod/nope")
    assert (nope.status_code, nope.json()) == (404, {"message": "No such route: /prod/nope"})
    hello = serve(str(EXAMPLES / "hello" / "template.yaml"))
    greeting = httpx.get(f"{hello.url}/Prod/hello").json()
    assert greeting["message"] == "hello world"
    preflight = httpx.options(f"{hello.url}/Prod/hello")
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "*"


def test_serving_the_same_file_twice_keeps_api_ids(serve: Any, tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path}/shared.db"
    first = serve(str(EXAMPLES / "petstore" / "openapi.yaml"), store=store)
    first.stop()
    second = serve(str(EXAMPLES / "petstore" / "openapi.yaml"), store=store)
    listed = run_cli("--store", store, "apis", "list")
    assert listed.returncode == 0
    assert len(listed.stdout.strip().splitlines()) == 1
    assert httpx.get(f"{second.url}/prod/pets").status_code == 200
    assert json.loads(httpx.get(f"{second.url}/prod/pets/1").text)["id"] == 1


def test_parameter_overrides_reach_the_template(serve: Any) -> None:
    """SAM/CloudFormation Parameters take --parameter-overrides values, as `sam deploy` does."""
    server = serve(str(EXAMPLES / "hello" / "template.yaml"), "--parameter-overrides", "Greeting=hi")
    assert httpx.get(f"{server.url}/Prod/hello").json()["message"] == "hi world"


def test_unknown_parameter_override_is_refused(tmp_path: Path) -> None:
    result = run_cli(
        "--store",
        f"sqlite:///{tmp_path}/p.db",
        "import",
        str(EXAMPLES / "hello" / "template.yaml"),
        "--parameter-overrides",
        "Nope=1",
    )
    assert result.returncode == 1
    assert "template.yaml" in result.stderr and "Nope" in result.stderr
