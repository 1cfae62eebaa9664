"""End to end: Lambda-compatible functions behind `tollway serve` (issue 4).

AWS_PROXY payload 1.0 events and responses, the Lambda context and environment, isolation,
cold and warm starts, the non-proxy AWS integration, versions and aliases, `tollway invoke`,
`tollway logs [--follow]`, `serve --watch` and `tollway build`. Fixtures:
tests/fixtures/e2e_functions/.
"""

from __future__ import annotations

import base64
import json
import os
import queue
import re
import shutil
import socket
import subprocess
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import six

from support import REPO, Running, _env, run_cli, start_server, tollway_cmd, write

FIXTURES = REPO / "tests" / "fixtures" / "e2e_functions"
PROXY = FIXTURES / "proxy" / "template.yaml"
GATEWAY_SECRET = "TOLLWAY_E2E_GATEWAY_ONLY"
ERROR_502 = {"message": "Internal server error"}
IDENTITY_KEYS = {
    "accessKey",
    "accountId",
    "caller",
    "cognitoAuthenticationProvider",
    "cognitoAuthenticationType",
    "cognitoIdentityId",
    "cognitoIdentityPoolId",
    "principalOrgId",
    "sourceIp",
    "user",
    "userAgent",
    "userArn",
}


@pytest.fixture(scope="module")
def proxy_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """One server for the tests that only read (each function is hit by one test)."""
    running = start_server(
        PROXY, tmp_path_factory.mktemp("proxy"), env={GATEWAY_SECRET: "the gateway's own secret"}
    )
    yield running
    running.stop()


def api_id(server: Running) -> str:
    listed = run_cli("--store", server.store, "apis", "list")
    assert listed.returncode == 0, listed.stderr
    return str(listed.stdout.split()[0])


def raw_request(port: int, head: str, body: bytes = b"") -> tuple[int, dict[str, str], bytes]:
    """Send exactly these request headers (httpx would add its own); read to EOF."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head.replace("\n", "\r\n").encode() + b"\r\n" + body)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    header_text, _, payload = data.partition(b"\r\n\r\n")
    lines = header_text.decode().split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split()[1]), headers, payload


# --- AWS_PROXY: the payload format 1.0 event ------------------------------------------------


def test_proxy_event_has_exactly_the_payload_1_0_fields(proxy_server: Running) -> None:
    """API Gateway's REST proxy event: last value in single maps, all values in multi maps,
    X-Forwarded-* added, Connection dropped, stage variables, `requestContext.path` with the
    stage, no `authorizer` key without an authorizer."""
    api = api_id(proxy_server)
    host = f"{api}.execute-api.localhost:{proxy_server.port}"
    head = (
        "GET /v1/items/42?color=red&color=blue&size=L HTTP/1.1\n"
        f"Host: {host}\nUser-Agent: e2e-agent\nX-Multi: a\nX-Multi: b\nConnection: close\n"
    )
    status, headers, payload = raw_request(proxy_server.port, head)
    assert status == 200, payload
    event = json.loads(payload)["event"]
    context = event.pop("requestContext")
    sent = {
        "Host": [host],
        "User-Agent": ["e2e-agent"],
        "X-Multi": ["a", "b"],
        # Added as API Gateway does (Proto/Port: what the client used, not AWS's https/443).
        "X-Forwarded-For": ["127.0.0.1"],
        "X-Forwarded-Proto": ["http"],
        "X-Forwarded-Port": [str(proxy_server.port)],
        "X-Amzn-Trace-Id": [headers["x-amzn-trace-id"]],  # the trace the answer carries
    }
    assert event == {
        "resource": "/items/{id}",
        "path": "/items/42",
        "httpMethod": "GET",
        "headers": {name: values[-1] for name, values in sent.items()},
        "multiValueHeaders": sent,
        "queryStringParameters": {"color": "blue", "size": "L"},
        "multiValueQueryStringParameters": {"color": ["red", "blue"], "size": ["L"]},
        "pathParameters": {"id": "42"},
        "stageVariables": {"color": "teal"},
        "body": None,
        "isBase64Encoded": False,
    }
    identity = context.pop("identity")
    assert set(identity) == IDENTITY_KEYS
    assert identity["sourceIp"] == "127.0.0.1"
    assert identity["userAgent"] == "e2e-agent"
    assert [k for k, v in identity.items() if v is not None] == ["sourceIp", "userAgent"]
    assert "authorizer" not in context
    assert context["requestId"] == headers["x-amzn-requestid"]
    assert context["extendedRequestId"] == headers["x-amz-apigw-id"]
    assert re.fullmatch(r"\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d \+0000", context["requestTime"])
    assert isinstance(context["requestTimeEpoch"], int)
    assert isinstance(context["resourceId"], str) and context["resourceId"]
    assert isinstance(context["deploymentId"], str) and context["deploymentId"]
    fixed = {k: context[k] for k in context if k not in ("requestId", "extendedRequestId", "requestTime")}
    assert fixed == {
        "accountId": "123456789012",
        "apiId": api,
        "deploymentId": context["deploymentId"],
        "domainName": f"{api}.execute-api.localhost",
        "domainPrefix": api,
        "httpMethod": "GET",
        "path": "/v1/items/42",
        "protocol": "HTTP/1.1",
        "requestTimeEpoch": context["requestTimeEpoch"],
        "resourceId": context["resourceId"],
        "resourcePath": "/items/{id}",
        "stage": "v1",
    }


def test_proxy_event_binary_body_is_base64_and_text_body_is_not(proxy_server: Running) -> None:
    """A body whose Content-Type is in binaryMediaTypes arrives base64 with isBase64Encoded."""
    png = httpx.post(
        f"{proxy_server.url}/v1/upload", content=b"\x89PNG\xff", headers={"Content-Type": "image/png"}
    )
    event = png.json()["event"]
    assert (event["body"], event["isBase64Encoded"]) == (base64.b64encode(b"\x89PNG\xff").decode(), True)
    text = httpx.post(
        f"{proxy_server.url}/v1/upload", content=b'{"a": 1}', headers={"Content-Type": "text/plain"}
    )
    event = text.json()["event"]
    assert (event["body"], event["isBase64Encoded"]) == ('{"a": 1}', False)
    assert event["resource"] == "/upload" and event["pathParameters"] is None


# --- The Lambda execution environment -------------------------------------------------------


def test_handler_gets_lambda_context_and_environment(proxy_server: Running) -> None:
    """Lambda's context attributes and reserved variables; Globals merged with the function's
    own Environment, MemorySize and Timeout."""
    answer = httpx.get(f"{proxy_server.url}/v1/items/1").json()
    context, env = answer["context"], answer["env"]
    arn = "arn:aws:lambda:us-east-1:123456789012:function:EchoFunction"
    assert re.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", context.pop("aws_request_id")
    )
    assert re.fullmatch(r"\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}", context.pop("log_stream_name"))
    assert 0 < context.pop("remaining_ms") <= 5000
    assert context == {
        "function_name": "EchoFunction",
        "function_version": "$LATEST",
        "invoked_function_arn": arn,
        "memory_limit_in_mb": "256",
        "log_group_name": "/aws/lambda/EchoFunction",
    }
    code = str(FIXTURES / "proxy" / "code")
    expected = {
        "AWS_LAMBDA_FUNCTION_NAME": "EchoFunction",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
        "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/EchoFunction",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.11",
        "_HANDLER": "app.echo",
        "LAMBDA_TASK_ROOT": code,
        "TZ": ":UTC",
        "GLOBAL_VAR": "from-globals",
        "FN_VAR": "from-function",
    }
    assert {k: env.get(k) for k in expected} == expected
    assert os.path.realpath(env["LAMBDA_TASK_ROOT"]) == os.path.realpath(code)


def test_function_sees_neither_gateway_env_nor_gateway_packages(proxy_server: Running) -> None:
    """A function sees only its own environment and code: not a variable of the serve process,
    not a package installed for the gateway (httptools is one of tollway's own dependencies)."""
    import httptools  # noqa: F401  (the gateway's environment has it, so the check can fail)

    env = httpx.get(f"{proxy_server.url}/v1/items/2").json()["env"]
    assert GATEWAY_SECRET not in env
    assert "VIRTUAL_ENV" not in env
    isolation = httpx.get(f"{proxy_server.url}/v1/isolation").json()
    assert isolation == {"httptools": "ImportError: No module named 'httptools'"}


def test_cold_start_runs_module_init_once_then_warm_reuses_it(proxy_server: Running) -> None:
    """Module state survives warm invocations in the same process; logs mark the cold start
    with Init Duration on its REPORT line only."""
    first = httpx.get(f"{proxy_server.url}/v1/counter").json()
    second = httpx.get(f"{proxy_server.url}/v1/counter").json()
    assert (first["count"], second["count"]) == (1, 2)
    assert first["pid"] == second["pid"]
    logs = run_cli("--store", proxy_server.store, "logs", "CounterFunction")
    reports = [line for line in logs.stdout.splitlines() if line.startswith("REPORT ")]
    assert len(reports) == 2
    assert "Init Duration: " in reports[0] and "Init Duration" not in reports[1]
    assert "\tMemory Size: 128 MB\t" in reports[0]


# --- AWS_PROXY: reading the function's response ---------------------------------------------


def test_proxy_response_numeric_string_status_and_both_header_maps(proxy_server: Running) -> None:
    """`"statusCode": "201"` is accepted; headers and multiValueHeaders are both sent."""
    response = httpx.get(f"{proxy_server.url}/v1/shapes/created")
    assert response.status_code == 201
    assert response.text == "made"
    assert response.headers["content-type"] == "text/plain"
    assert response.headers["x-single"] == "one"
    assert response.headers.get_list("x-multi") == ["a", "b"]


def test_proxy_response_base64_body_is_decoded_for_a_binary_accept(proxy_server: Running) -> None:
    """isBase64Encoded: decoded when the first Accept type is a binary media type, else the
    base64 text is sent as it came."""
    png = b"\x89PNG\r\n\x1a\n\x00\x01\xff"
    binary = httpx.get(f"{proxy_server.url}/v1/shapes/png", headers={"Accept": "image/png"})
    assert (binary.status_code, binary.content) == (200, png)
    assert binary.headers["content-type"] == "image/png"
    text = httpx.get(f"{proxy_server.url}/v1/shapes/png", headers={"Accept": "application/json"})
    assert (text.status_code, text.text) == (200, base64.b64encode(png).decode())


@pytest.mark.parametrize("shape", ["extra-key", "not-a-number", "bare-string", "raise"])
def test_malformed_response_or_unhandled_error_is_502(proxy_server: Running, shape: str) -> None:
    """Malformed Lambda proxy response / unhandled function error -> 502 Internal server error."""
    response = httpx.get(f"{proxy_server.url}/v1/shapes/{shape}")
    assert response.status_code == 502
    assert response.json() == ERROR_502
    assert response.headers["x-amzn-errortype"] == "InternalServerErrorException"


# --- Logs ------------------------------------------------------------------------------------


def test_logs_frame_each_invocation_with_start_end_report(proxy_server: Running) -> None:
    """`tollway logs NAME`: the function's output between Lambda's START and END lines."""
    response = httpx.get(f"{proxy_server.url}/v1/print", params={"marker": "first-marker"})
    assert response.status_code == 200
    logs = run_cli("--store", proxy_server.store, "logs", "PrinterFunction")
    assert logs.returncode == 0, logs.stderr
    lines = logs.stdout.splitlines()
    at = lines.index("printer says first-marker")
    start = re.fullmatch(r"START RequestId: (\S+) Version: \$LATEST", lines[at - 1])
    assert start is not None
    rid = start[1]
    assert lines[at + 1] == f"END RequestId: {rid}"
    report = lines[at + 2].split("\t")
    assert report[0] == f"REPORT RequestId: {rid}"
    assert re.fullmatch(r"Duration: \d+\.\d\d ms", report[1])
    assert re.fullmatch(r"Billed Duration: \d+ ms", report[2])
    assert report[3] == "Memory Size: 256 MB"
    assert re.fullmatch(r"Max Memory Used: \d+ MB", report[4])


def test_logs_follow_streams_a_new_invocation(proxy_server: Running) -> None:
    """`tollway logs NAME --follow` prints the lines of invocations made after it started."""
    httpx.get(f"{proxy_server.url}/v1/print", params={"marker": "before-follow"})
    cmd = tollway_cmd("--store", proxy_server.store, "logs", "PrinterFunction", "--follow")
    follower = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env())
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        for line in follower.stdout or []:
            lines.put(line.rstrip("\n"))

    threading.Thread(target=read, daemon=True).start()
    try:
        _read_until(lines, "printer says before-follow")  # the existing log is printed first
        httpx.get(f"{proxy_server.url}/v1/print", params={"marker": "while-following"})
        seen = _read_until(lines, "printer says while-following")
        assert seen[-2].startswith("START RequestId: ")
        assert _read_until(lines, "REPORT ", prefix=True)[0].startswith("END RequestId: ")
    finally:
        follower.terminate()
        follower.wait(timeout=10)


def _read_until(lines: queue.Queue[str], wanted: str, prefix: bool = False) -> list[str]:
    seen: list[str] = []
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=max(deadline - time.monotonic(), 0.01))
        except queue.Empty:
            break
        seen.append(line)
        if line.startswith(wanted) if prefix else line == wanted:
            return seen
    raise AssertionError(f"{wanted!r} not printed; got {seen}")


# --- tollway invoke ---------------------------------------------------------------------------


def test_invoke_prints_result_and_exits_0(tmp_path: Path) -> None:
    """`tollway invoke NAME --event FILE --template T`: the function's JSON result on stdout."""
    event = write(tmp_path / "event.json", json.dumps({"name": "Ada"}))
    store = f"sqlite:///{tmp_path}/store.db"
    done = run_cli(
        "--store", store, "invoke", "GreetFunction", "--event", str(event), "--template", str(PROXY)
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"greeting": "hello Ada"}
    assert "greeting Ada" in done.stderr
    assert re.search(r"^REPORT RequestId: \S+\tDuration: ", done.stderr, re.M)


def test_invoke_prints_error_document_and_exits_1(tmp_path: Path) -> None:
    """A function error: Lambda's error document (errorMessage, errorType, stackTrace), exit 1."""
    event = write(tmp_path / "event.json", "{}")
    store = f"sqlite:///{tmp_path}/store.db"
    done = run_cli(
        "--store", store, "invoke", "BoomFunction", "--event", str(event), "--template", str(PROXY)
    )
    assert done.returncode == 1
    error = json.loads(done.stdout)
    assert (error["errorMessage"], error["errorType"]) == ("boom", "ValueError")
    assert any('raise ValueError("boom")' in frame for frame in error["stackTrace"])
    assert "[ERROR] ValueError: boom" in done.stderr


# --- Non-proxy AWS integration -----------------------------------------------------------------


def test_non_proxy_lambda_integration_templates_and_selection_pattern(serve: Any) -> None:
    """type aws: the request template builds the event; success takes the default response;
    an errorMessage matching `.*not found.*` selects 404; an error matching no pattern falls
    back to the default response (200) with the error document as its input."""
    server = serve(str(FIXTURES / "nonproxy" / "template.yaml"))
    found = httpx.get(f"{server.url}/test/items/7", params={"verbose": "yes"})
    assert found.status_code == 200
    assert found.headers["content-type"] == "application/json"
    assert found.json() == {"name": "item-7", "verbose": "yes", "via": "template"}
    missing = httpx.get(f"{server.url}/test/items/404")
    assert missing.status_code == 404
    assert missing.json() == {"error": "item 404 not found"}
    other_error = httpx.get(f"{server.url}/test/items/crash")
    assert other_error.status_code == 200
    assert other_error.json() == {"name": "", "verbose": "", "via": "template"}


# --- Versions and aliases ----------------------------------------------------------------------


def _versions(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURES / "versions", tmp_path / "versions")
    return tmp_path / "versions" / "template.yaml"


def _cli_ok(server: Running, *args: str) -> str:
    done = run_cli("--store", server.store, *args)
    assert done.returncode == 0, done.stderr
    return str(done.stdout)


def _wait_status(url: str, status: int = 200) -> None:
    deadline = time.monotonic() + 20  # serve reloads the store once a second
    while httpx.get(url).status_code != status and time.monotonic() < deadline:
        time.sleep(0.2)


def test_stage_variable_picks_the_alias_of_the_integration_uri(serve: Any, tmp_path: Path) -> None:
    """AutoPublishAlias publishes version 1 behind `live`; a URI ending in
    `:${stageVariables.alias}` invokes the alias its stage names; a missing alias is 500;
    publishing unchanged code and config publishes nothing (Lambda answers the last version)."""
    server = serve(str(_versions(tmp_path)))
    version = {"version": "1", "mark": "one", "code": "code one"}
    assert httpx.get(f"{server.url}/one/version").json() == version
    missing_alias = httpx.get(f"{server.url}/two/version")
    assert (missing_alias.status_code, missing_alias.json()) == (500, ERROR_502)
    assert _cli_ok(server, "functions", "publish", "VersionedFunction") == "1\n"
    assert (
        _cli_ok(server, "functions", "alias", "VersionedFunction", "beta", "1")
        == "VersionedFunction:beta -> 1\n"
    )
    _wait_status(f"{server.url}/two/version")
    assert httpx.get(f"{server.url}/two/version").json() == version


def test_weighted_alias_splits_invocations_between_versions(serve: Any, tmp_path: Path) -> None:
    """`functions publish` snapshots $LATEST; after a config change a second publish makes
    version 2; `alias beta 1 --weight 2=0.5` (AdditionalVersionWeights) runs both."""
    template = _versions(tmp_path)
    server = serve(str(template))
    assert _cli_ok(server, "functions", "publish", "PlainFunction") == "1\n"
    template.write_text(template.read_text().replace("MARK: one", "MARK: two"))
    _cli_ok(server, "import", str(template))
    assert _cli_ok(server, "functions", "publish", "PlainFunction") == "2\n"
    _cli_ok(server, "functions", "alias", "PlainFunction", "beta", "1", "--weight", "2=0.5")
    _wait_status(f"{server.url}/two/plain")
    with httpx.Client() as client:
        seen = {tuple(client.get(f"{server.url}/two/plain").json().values()) for _ in range(40)}
    assert seen == {("1", "one", "code one"), ("2", "two", "code one")}


def test_publish_after_a_code_change_makes_a_version_that_keeps_the_old_code(
    serve: Any, tmp_path: Path
) -> None:
    """Lambda: a version is an immutable copy of the code and config; publishing after a code
    change creates a new version, and the older versions keep running the older code."""
    template = _versions(tmp_path)
    server = serve(str(template))
    assert httpx.get(f"{server.url}/one/version").json()["code"] == "code one"
    handler = template.parent / "code" / "app.py"
    handler.write_text(handler.read_text().replace('"code one"', '"code two"'))
    assert _cli_ok(server, "functions", "publish", "VersionedFunction") == "2\n"
    _cli_ok(server, "functions", "alias", "VersionedFunction", "beta", "2")
    _wait_status(f"{server.url}/two/version")
    assert httpx.get(f"{server.url}/two/version").json()["code"] == "code two"
    invoked = run_cli("--store", server.store, "invoke", "VersionedFunction", "--qualifier", "1")
    assert json.loads(json.loads(invoked.stdout)["body"])["code"] == "code one"


# --- serve --watch -----------------------------------------------------------------------------


def test_watch_replaces_instances_when_code_changes(serve: Any, tmp_path: Path) -> None:
    """`serve --watch`: the edited handler answers without restarting the gateway."""
    shutil.copytree(FIXTURES / "watch", tmp_path / "watch")
    server = serve(str(tmp_path / "watch" / "template.yaml"), "--watch")
    assert httpx.get(f"{server.url}/Prod/hello").text == "version one"
    handler = tmp_path / "watch" / "code" / "app.py"
    handler.write_text(handler.read_text().replace("version one", "version two"))
    deadline = time.monotonic() + 20
    text = ""
    while time.monotonic() < deadline and text != "version two":
        time.sleep(0.3)
        text = httpx.get(f"{server.url}/Prod/hello").text
    assert text == "version two"
    assert server.process.poll() is None


def test_idle_instances_are_stopped_after_idle_timeout(serve: Any, tmp_path: Path) -> None:
    """`serve --idle-timeout 1`: after a second idle the next invocation is a cold start."""
    shutil.copytree(FIXTURES / "watch", tmp_path / "watch")
    server = serve(str(tmp_path / "watch" / "template.yaml"), "--idle-timeout", "1")
    first = httpx.get(f"{server.url}/Prod/pid").text
    assert httpx.get(f"{server.url}/Prod/pid").text == first
    time.sleep(3)
    assert httpx.get(f"{server.url}/Prod/pid").text != first


# --- tollway build (needs PyPI) ----------------------------------------------------------------


@pytest.mark.registry  # installs six 1.16.0 and 1.15.0 from PyPI
def test_build_installs_each_functions_requirements_into_its_own_folder(serve: Any, tmp_path: Path) -> None:
    """`tollway build`: each function imports the version its requirements.txt pins; before
    the build it imports the runtime's (six comes with boto3 in Lambda's Python runtime,
    below what the function ships)."""
    shutil.copytree(FIXTURES / "build", tmp_path / "build-fixture")
    template = str(tmp_path / "build-fixture" / "template.yaml")
    store = f"sqlite:///{tmp_path}/store.db"
    before = run_cli("--store", store, "invoke", "SixNewFunction", "--template", template)
    assert before.returncode == 0, before.stderr
    assert json.loads(json.loads(before.stdout)["body"])["version"] == six.__version__
    built = run_cli("--store", store, "build", template, timeout=300)
    assert built.returncode == 0, built.stderr
    folders = dict(line.split("\t") for line in built.stdout.splitlines())
    assert set(folders) == {"SixNewFunction", "SixOldFunction"}
    assert folders["SixNewFunction"] != folders["SixOldFunction"]
    server = serve(template, store=store)
    new = httpx.get(f"{server.url}/Prod/new").json()
    old = httpx.get(f"{server.url}/Prod/old").json()
    assert new["version"] == "1.16.0" and new["file"].startswith(folders["SixNewFunction"])
    assert old["version"] == "1.15.0" and old["file"].startswith(folders["SixOldFunction"])


# --- definitions: layers, zipped code, other runtimes, plain CloudFormation ------------------


def test_local_layer_zip_code_and_runtime_warning(serve: Any, tmp_path: Path) -> None:
    """A function imports a module from its AWS::Serverless::LayerVersion's python/ folder;
    a CodeUri .zip runs; a runtime other than the installed Python runs on it, with a warning."""
    folder = tmp_path / "layers"
    shutil.copytree(FIXTURES / "layers", folder)
    with zipfile.ZipFile(folder / "code.zip", "w") as archive:
        archive.write(folder / "zipsrc" / "app.py", "app.py")
    server = serve(str(folder / "template.yaml"))
    assert httpx.get(f"{server.url}/Prod/layered").json() == {"greeting": "from the layer"}
    assert httpx.get(f"{server.url}/Prod/zipped").json() == {"packaged": "zip", "fn": "ZippedFunction"}
    _, _, err = server.stop()
    assert "LayeredFunction: python3.9 runs on the installed Python" in err


def test_plain_cloudformation_lambda_function_behind_resource_and_method(serve: Any) -> None:
    """AWS::Lambda::Function (FunctionName, Code folder, Environment) invoked through an
    AWS::ApiGateway::Method AWS_PROXY integration whose URI names ${Function.Arn}."""
    server = serve(str(FIXTURES / "cfn" / "template.yaml"))
    got = httpx.get(f"{server.url}/v1/items/7").json()
    assert got == {"resource": "/items/{id}", "id": "7", "mode": "cfn", "fn": "items-fn"}
