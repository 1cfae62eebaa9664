"""Compatibility with real Lambda libraries (issue 4 item 11), end to end through `tollway serve`.

Each app runs unchanged, as its framework produces or expects it, and a real HTTP client checks
exact answers:

- Chalice: `chalice package` output (``sam.json`` + ``deployment.zip``) served as written. Needs the
  ``chalice`` test dependency installed next to this interpreter; no network.
- aws-lambda-powertools ``APIGatewayRestResolver`` and FastAPI through Mangum: `tollway build` then
  `tollway serve`. These are marked ``registry``: `tollway build` pip-installs the pinned
  ``requirements.txt`` from the package registry (PyPI). Builds are cached in
  ``$TOLLWAY_BUILD_DIR`` (default here ``~/.cache/tollway-test-build``), so only the first run
  downloads; deselect them offline with ``-m "not registry"``.
- examples/functions: the README's function example, served and invoked with `tollway invoke`.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from support import EXAMPLES, REPO, Running, free_port, tollway_cmd

FIXTURES = REPO / "tests" / "fixtures" / "compat"
BUILD_CACHE = Path(os.environ.get("TOLLWAY_BUILD_DIR") or Path.home() / ".cache" / "tollway-test-build")
CLI_TIMEOUT_S = 600  # a first `tollway build` downloads wheels
START_TIMEOUT_S = 60
REQUEST_TIMEOUT_S = 60  # a cold start imports the framework on a loaded machine

registry = pytest.mark.registry


def _env() -> dict[str, str]:
    env = dict(os.environ, TOLLWAY_BUILD_DIR=str(BUILD_CACHE), AWS_DEFAULT_REGION="us-east-1")
    env.pop("TOLLWAY_STORE", None)
    return env


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        tollway_cmd(*args), capture_output=True, text=True, timeout=CLI_TIMEOUT_S, cwd=cwd, env=_env()
    )


def _wait_listening(running: Running, output: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if running.process.poll() is not None:
            text = output.read_text(errors="replace")
            raise AssertionError(f"tollway serve exited {running.process.returncode}:\n{text}")
        try:
            with socket.create_connection(("127.0.0.1", running.port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("tollway serve did not start listening in time")


@dataclass
class Served:
    """A module's `tollway serve`: a client rooted at the stage, and the store it serves from."""

    client: httpx.Client
    store: str
    workdir: Path
    port: int


def _serve(workdir: Path, template: Path, base: str) -> Iterator[Served]:
    """`tollway serve TEMPLATE` on a free port for a whole module."""
    port = free_port()
    store = f"sqlite:///{workdir}/store.db"
    cmd = tollway_cmd("--store", store, "serve", str(template), "--port", str(port))
    output = workdir / "serve.log"
    # A file, not a pipe: nobody reads a pipe while the module runs, and a full one would block.
    with output.open("w") as sink:
        process = subprocess.Popen(
            cmd, stdout=sink, stderr=subprocess.STDOUT, text=True, cwd=workdir, env=_env()
        )
    running = Running(process, port, store)
    try:
        _wait_listening(running, output)
        with httpx.Client(base_url=f"{running.url}{base}", timeout=REQUEST_TIMEOUT_S) as client:
            yield Served(client, store, workdir, port)
    finally:
        running.stop()


def _build(workdir: Path, template: Path) -> str:
    done = _cli("--store", f"sqlite:///{workdir}/build.db", "build", str(template), cwd=workdir)
    assert done.returncode == 0, done.stderr
    return done.stdout


# --- Chalice -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chalice(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    chalice_bin = Path(sys.executable).parent / "chalice"
    if not chalice_bin.is_file():
        pytest.fail("chalice is a test dependency: pip install 'chalice>=1.34,<1.35'")
    work = tmp_path_factory.mktemp("chalice")
    # chalice package writes a cache (.chalice/deployments) into the project: package a copy.
    project = shutil.copytree(FIXTURES / "chalice_app", work / "project")
    out = work / "out"
    done = subprocess.run(
        [str(chalice_bin), "--project-dir", str(project), "package", str(out)],
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT_S,
        env=_env(),
    )
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == ["deployment.zip", "sam.json"]
    for served in _serve(work, out / "sam.json", "/api"):  # the stage .chalice/config.json names
        yield served.client


def test_chalice_route_answers_its_json(chalice: httpx.Client) -> None:
    response = chalice.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"hello": "chalice"}


def test_chalice_path_parameter_and_chalice_not_found_error(chalice: httpx.Client) -> None:
    """pathParameters reach Chalice's view arguments; NotFoundError is Chalice's 404 JSON."""
    assert chalice.get("/users/ann").json() == {"name": "ann", "role": "admin"}
    missing = chalice.get("/users/bob")
    assert missing.status_code == 404
    assert missing.json() == {"Code": "NotFoundError", "Message": "no user bob"}


def test_chalice_query_parameters_keep_every_value_of_a_repeated_name(chalice: httpx.Client) -> None:
    """multiValueQueryStringParameters give Chalice's MultiDict all values of ``tag``."""
    response = chalice.get("/search", params=[("q", "lambda"), ("tag", "a"), ("tag", "b")])
    assert response.json() == {"q": "lambda", "tags": ["a", "b"]}
    bad = chalice.get("/search")
    assert bad.status_code == 400
    assert bad.json() == {"Code": "BadRequestError", "Message": "q is required"}


def test_chalice_json_body_post_answers_201_with_its_headers(chalice: httpx.Client) -> None:
    response = chalice.post("/items", json={"id": 7, "name": "pen"})
    assert response.status_code == 201
    assert response.headers["location"] == "/items/7"
    assert response.json() == {"created": {"id": 7, "name": "pen"}, "path": "/items"}


@pytest.mark.parametrize("method", ["GET", "PUT"])
def test_chalice_custom_status_code_and_content_type(chalice: httpx.Client, method: str) -> None:
    response = chalice.request(method, "/teapot")
    assert response.status_code == 418
    assert response.headers["content-type"] == "text/plain"
    assert response.text == f"short and stout ({method})"


def test_chalice_cors_route_and_its_mock_preflight(chalice: httpx.Client) -> None:
    """cors=True: the function adds the CORS headers; OPTIONS is the MOCK method chalice generated."""
    response = chalice.get("/open")
    assert response.json() == {"cors": True}
    assert response.headers["access-control-allow-origin"] == "*"
    preflight = chalice.options("/open")
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-methods"] == "GET,OPTIONS"
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert preflight.headers["access-control-allow-headers"] == (
        "Authorization,Content-Type,X-Amz-Date,X-Amz-Security-Token,X-Api-Key"
    )


def test_chalice_binary_body_round_trips_every_byte_value(chalice: httpx.Client) -> None:
    """A binary media type body reaches the function base64-encoded (isBase64Encoded) and the
    function's base64 answer goes back as raw bytes for a binary Accept."""
    data = bytes(range(256))
    response = chalice.post(
        "/bytes",
        content=data,
        headers={"Content-Type": "application/octet-stream", "Accept": "application/octet-stream"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.content == data[::-1]


def test_chalice_unknown_route_is_the_gateways_403(chalice: httpx.Client) -> None:
    response = chalice.get("/nothing/here")
    assert response.status_code == 403
    assert response.json() == {"message": "Missing Authentication Token"}


# --- aws-lambda-powertools -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def powertools_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    work = tmp_path_factory.mktemp("powertools")
    template = FIXTURES / "powertools_app" / "template.yaml"
    built = _build(work, template)
    name, folder = built.split()
    assert name == "TodosFunction"
    assert (Path(folder) / "aws_lambda_powertools-3.37.0.dist-info").is_dir()
    yield from _serve(work, template, "/Prod")


@pytest.fixture
def powertools(powertools_app: Served) -> httpx.Client:
    return powertools_app.client


@registry
def test_powertools_route_with_query_string_and_stage(powertools: httpx.Client) -> None:
    todo = {"id": "1", "title": "write tests", "done": False}
    assert powertools.get("/todos").json() == {"todos": [todo], "stage": "Prod"}
    assert powertools.get("/todos", params={"done": "true"}).json() == {"todos": [], "stage": "Prod"}


@registry
def test_powertools_path_parameter_and_raised_not_found(powertools: httpx.Client) -> None:
    assert powertools.get("/todos/1").json() == {"id": "1", "title": "write tests", "done": False}
    missing = powertools.get("/todos/9")
    assert missing.status_code == 404
    assert missing.json() == {"statusCode": 404, "message": "todo 9 not found"}


@registry
def test_powertools_resolver_answers_404_for_a_route_it_does_not_have(powertools: httpx.Client) -> None:
    """{proxy+} sends every path to the function; the resolver's own 404 comes back as is."""
    response = powertools.delete("/no/such/route")
    assert response.status_code == 404
    assert response.json() == {"statusCode": 404, "message": "Not found"}


@registry
def test_powertools_json_body_post_answers_201(powertools: httpx.Client) -> None:
    response = powertools.post("/todos", json={"title": "ship it"})
    assert response.status_code == 201
    assert response.headers["location"] == "/todos/2"
    assert response.json() == {"id": "2", "title": "ship it", "done": False}


@registry
def test_powertools_sees_the_lambda_context_and_its_environment(powertools: httpx.Client) -> None:
    """Lambda's Python runtime gives memory_limit_in_mb as the string from
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE; Logger reads POWERTOOLS_SERVICE_NAME."""
    assert powertools.get("/whoami").json() == {
        "function": "TodosFunction",
        "memory": "256",
        "service": "todos",
    }


@registry
def test_powertools_logger_lines_carry_the_lambda_context_in_tollway_logs(powertools_app: Served) -> None:
    """Logger.inject_lambda_context reads the context; the function's stdout lands in its log
    between Lambda's START and END lines of the same request id."""
    assert powertools_app.client.get("/whoami").status_code == 200
    logs = _cli("--store", powertools_app.store, "logs", "TodosFunction", cwd=powertools_app.workdir)
    assert logs.returncode == 0, logs.stderr
    lines = logs.stdout.splitlines()
    at = max(i for i, line in enumerate(lines) if '"message":"whoami called"' in line)
    record = json.loads(lines[at])
    request_id = record.pop("function_request_id")
    assert {k: record[k] for k in ("level", "service", "function_name", "function_memory_size")} == {
        "level": "INFO",
        "service": "todos",
        "function_name": "TodosFunction",
        "function_memory_size": "256",
    }
    assert record["function_arn"] == "arn:aws:lambda:us-east-1:123456789012:function:TodosFunction"
    assert lines[at - 1] == f"START RequestId: {request_id} Version: $LATEST"
    assert lines[at + 1] == f"END RequestId: {request_id}"


@registry
def test_powertools_root_has_no_method_so_the_gateway_answers_403(powertools: httpx.Client) -> None:
    """``/{proxy+}`` does not match the root: API Gateway answers, not the function."""
    response = powertools.get("/")
    assert response.status_code == 403
    assert response.json() == {"message": "Missing Authentication Token"}


# --- FastAPI + Mangum ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fastapi_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    work = tmp_path_factory.mktemp("fastapi")
    template = FIXTURES / "fastapi_app" / "template.yaml"
    name, folder = _build(work, template).split()
    assert name == "FastApiFunction"
    assert (Path(folder) / "fastapi-0.165.0.dist-info").is_dir()
    assert (Path(folder) / "mangum-0.22.0.dist-info").is_dir()
    yield from _serve(work, template, "/Prod")


@pytest.fixture
def fastapi(fastapi_app: Served) -> httpx.Client:
    return fastapi_app.client


@registry
def test_fastapi_root_route(fastapi: httpx.Client) -> None:
    response = fastapi.get("/")
    assert response.status_code == 200
    assert response.json() == {"app": "fastapi"}


@registry
def test_fastapi_path_and_query_parameters_and_a_response_header(fastapi: httpx.Client) -> None:
    response = fastapi.get("/items/5", params={"q": "blue pens"})
    assert response.status_code == 200
    assert response.headers["x-item-id"] == "5"
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"item_id": 5, "q": "blue pens"}


@registry
def test_fastapi_json_body_post_answers_201(fastapi: httpx.Client) -> None:
    response = fastapi.post("/items", json={"name": "pen", "price": 2.5})
    assert response.status_code == 201
    assert response.json() == {"name": "pen", "price_with_tax": 3.0}


@registry
def test_fastapi_two_cookies_come_back_as_two_set_cookie_headers(fastapi: httpx.Client) -> None:
    """A proxy response's multiValueHeaders: every value is sent, in order."""
    response = fastapi.post("/login")
    assert response.json() == {"ok": True}
    assert response.headers.get_list("set-cookie") == [
        "session=abc123; HttpOnly; Path=/; SameSite=lax",
        "theme=dark; Path=/; SameSite=lax",
    ]


@registry
def test_fastapi_sees_the_x_forwarded_headers_api_gateway_adds(fastapi_app: Served) -> None:
    """API Gateway adds X-Forwarded-For (the client's address appended to any it was sent),
    X-Forwarded-Proto and X-Forwarded-Port to the headers of a REST proxy event; Mangum reads
    the scheme and port from them."""
    response = fastapi_app.client.get("/forwarded", headers={"X-Forwarded-For": "203.0.113.9"})
    seen = response.json()
    assert seen["client"] == "127.0.0.1"  # requestContext.identity.sourceIp
    assert seen["x-forwarded-for"] == "203.0.113.9, 127.0.0.1"
    assert seen["x-forwarded-proto"] == "http"
    assert seen["x-forwarded-port"] == str(fastapi_app.port)


@registry
def test_fastapi_answers_its_own_404_and_422(fastapi: httpx.Client) -> None:
    missing = fastapi.get("/no/such/route")
    assert missing.status_code == 404
    assert missing.json() == {"detail": "Not Found"}
    invalid = fastapi.get("/items/abc")
    assert invalid.status_code == 422
    assert [(e["type"], e["loc"]) for e in invalid.json()["detail"]] == [("int_parsing", ["path", "item_id"])]


# --- examples/functions (the README example) ----------------------------------------------------

EXAMPLE = EXAMPLES / "functions"


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    for served in _serve(tmp_path_factory.mktemp("example"), EXAMPLE / "template.yaml", "/Prod"):
        yield served.client


def test_example_hello_routes(example: httpx.Client) -> None:
    ann = example.get("/hello/ann")
    assert ann.status_code == 200
    assert ann.headers["content-type"] == "application/json"
    assert ann.json() == {"message": "hello ann", "path": "/hello/ann", "function": "HelloFunction"}
    assert example.get("/hello").json() == {
        "message": "hello world",
        "path": "/hello",
        "function": "HelloFunction",
    }


def test_example_invoke_prints_the_result_and_the_lambda_log_lines(tmp_path: Path) -> None:
    """`tollway invoke` prints the function's result on stdout and START/END/REPORT on stderr."""
    done = _cli(
        "--store",
        f"sqlite:///{tmp_path}/store.db",
        "invoke",
        "HelloFunction",
        "--event",
        str(EXAMPLE / "events" / "event.json"),
        "--template",
        str(EXAMPLE / "template.yaml"),
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["statusCode"] == 200
    assert result["headers"] == {"Content-Type": "application/json"}
    assert json.loads(result["body"]) == {
        "message": "hello ann",
        "path": "/hello/ann",
        "function": "HelloFunction",
    }
    kinds = [line.split(" ")[0] for line in done.stderr.splitlines()]
    assert [kind for kind in kinds if kind in ("START", "END", "REPORT")] == ["START", "END", "REPORT"]
    report = next(line for line in done.stderr.splitlines() if line.startswith("REPORT "))
    assert "\tMemory Size: 128 MB\t" in report
