"""End to end: two `tollway serve` processes sharing one SQLite store.

API ids derive from the file (stable across imports and processes), so two servers started
together on the same store and file serve one API. Each polls the store once a second and
swaps in new deployments; a refused import changes nothing they serve.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from support import Running, run_cli, write

# Generous next to the 1 s poll interval, short enough to notice a server that never reloads.
RELOAD_WAIT_S = 8.0


def _api(version: str, extra_paths: dict[str, Any] | None = None) -> str:
    """A MOCK API answering its version and the stage variable ``x`` at GET /who."""
    who = {
        "get": {
            "x-amazon-apigateway-integration": {
                "type": "mock",
                "requestTemplates": {"application/json": '{"statusCode": 200}'},
                "responses": {
                    "default": {
                        "statusCode": "200",
                        "responseTemplates": {
                            "application/json": f'{{"version": "{version}", "x": "$stageVariables.x"}}'
                        },
                    }
                },
            }
        }
    }
    doc = {
        "openapi": "3.0.1",
        "info": {"title": "shared", "version": "1"},
        "paths": {"/who": who, **(extra_paths or {})},
    }
    return json.dumps(doc)


def _who(server: Running) -> dict[str, Any] | None:
    """What GET /prod/who answers, or None while the server does not answer 200."""
    try:
        response = httpx.get(f"{server.url}/prod/who", timeout=2)
    except httpx.TransportError:
        return None
    if response.status_code != 200:
        return None
    body: dict[str, Any] = response.json()
    return body


def _wait_for(
    server: Running, wanted: Callable[[dict[str, Any] | None], bool], timeout: float = RELOAD_WAIT_S
) -> dict[str, Any] | None:
    """Poll GET /prod/who until ``wanted`` holds of its answer; returns the last answer."""
    deadline = time.monotonic() + timeout
    answer = _who(server)
    while not wanted(answer) and time.monotonic() < deadline:
        time.sleep(0.1)
        answer = _who(server)
    return answer


@pytest.fixture
def pair(serve: Any, tmp_path: Path) -> tuple[str, Path, list[Running]]:
    """Two servers started at the same moment on one store with the same file."""
    store = f"sqlite:///{tmp_path}/shared.db"
    api = write(tmp_path / "api.json", _api("1"))
    servers = [serve(str(api), store=store, wait=False) for _ in range(2)]
    for server in servers:
        answer = _wait_for(server, lambda answer: answer is not None, timeout=30)
        assert answer is not None, f"server on port {server.port} never answered: {server.stop()}"
    return store, api, servers


def _api_ids(store: str) -> list[str]:
    listed = run_cli("--store", store, "apis", "list")
    assert listed.returncode == 0, listed.stderr
    return [line.split("\t")[0] for line in listed.stdout.splitlines()]


def test_two_servers_on_one_store_serve_one_api(pair: tuple[str, Path, list[Running]]) -> None:
    store, _, servers = pair
    assert len(_api_ids(store)) == 1
    for server in servers:
        assert _who(server) == {"version": "1", "x": ""}


def test_deploy_from_the_cli_reaches_both_running_servers(pair: tuple[str, Path, list[Running]]) -> None:
    """`tollway deploy API_ID STAGE --variable x=y` makes a new deployment; every server
    polling the store swaps it in within seconds."""
    store, _, servers = pair
    (api_id,) = _api_ids(store)
    deployed = run_cli("--store", store, "deploy", api_id, "prod", "--variable", "x=y")
    assert deployed.returncode == 0, deployed.stderr
    wanted = {"version": "1", "x": "y"}
    for server in servers:
        assert _wait_for(server, lambda answer: answer == wanted) == wanted


@pytest.mark.parametrize(
    "broken",
    [
        pytest.param("openapi: 3.0.1\npaths:\n  /who: [unclosed\n", id="yaml-syntax-error"),
        pytest.param(
            _api(
                "2",
                {
                    "/bad": {
                        "get": {
                            "x-amazon-apigateway-integration": {
                                "type": "mock",
                                "requestTemplates": {
                                    "application/json": "#if($input.params('a')) never closed"
                                },
                            }
                        }
                    }
                },
            ),
            id="same-api-with-a-bad-mapping-template",
        ),
    ],
)
def test_a_refused_import_leaves_both_servers_on_the_previous_definition(
    pair: tuple[str, Path, list[Running]], tmp_path: Path, broken: str
) -> None:
    store, api, servers = pair
    bad = write(tmp_path / "broken.json", broken)
    result = run_cli("--store", store, "import", str(bad))
    assert result.returncode == 1
    assert "broken.json" in result.stderr and "Traceback" not in result.stderr
    time.sleep(2.5)  # more than two polls: a reload, if any, has happened
    for server in servers:
        assert _who(server) == {"version": "1", "x": ""}
    # the servers do reload: a good definition of the same API replaces the previous one
    write(api, _api("2"))
    fixed = run_cli("--store", store, "import", str(api))
    assert fixed.returncode == 0, fixed.stderr
    assert len(_api_ids(store)) == 1
    for server in servers:
        answer = _wait_for(server, lambda answer: (answer or {}).get("version") == "2")
        assert (answer or {}).get("version") == "2", answer
