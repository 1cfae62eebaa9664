"""End to end: functions as Lambda runs them (issue 11, item 5, and `--debug-port`).

A burst over `--function-concurrency` waits for free instances; boto3 is importable as in
Lambda's Python runtime, below a version a layer or requirements.txt brings; `tollway build`
builds `Metadata: BuildMethod` layers as `sam build` does and installs the public Powertools
layer from PyPI; `serve` shows function output on its console (`--quiet-functions` hides
it); `tollway invoke --debug-port` waits for a debugger (a real DAP client attaches).
Fixtures: tests/fixtures/function_runtime/.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import botocore
import httpx
import pytest

from function_support import DapClient, eventually, make_wheel
from support import REPO, Running, _env, free_port, run_cli, start_server, tollway_cmd, write

FIXTURES = REPO / "tests" / "fixtures" / "function_runtime"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture copied, its layer's local wheel made, and `tollway build` run on it."""
    folder = tmp_path_factory.mktemp("runtime") / "project"
    shutil.copytree(FIXTURES, folder, ignore=shutil.ignore_patterns("registry", "__pycache__"))
    make_wheel(
        folder / "deps_layer" / "wheels", "tinydep", "1.0", {"tinydep.py": "VALUE = 'from the wheel'\n"}
    )
    return folder


@pytest.fixture(scope="module")
def built(project: Path) -> str:
    """The store after `tollway build` (offline: the layer's only requirement is a local wheel)."""
    store = f"sqlite:///{project.parent}/store.db"
    done = run_cli("--store", store, "build", str(project / "template.yaml"), timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def server(project: Path, built: str) -> Iterator[Running]:
    running = start_server(project / "template.yaml", project.parent, "--function-concurrency", "2")
    yield running
    running.stop()


def get(server: Running, path: str, **params: str) -> httpx.Response:
    return httpx.get(f"{server.url}/Prod{path}", params=params, timeout=60)


# --- concurrency -------------------------------------------------------------------------------


def test_a_burst_over_function_concurrency_waits_for_free_instances(server: Running, tmp_path: Path) -> None:
    """Five requests at once with --function-concurrency 2: Lambda would start more
    environments, so none is throttled; they queue for the two instances tollway allows."""
    answers: dict[int, httpx.Response] = {}

    def call(me: int) -> None:
        answers[me] = get(server, "/burst", dir=str(tmp_path), me=str(me))

    threads = [threading.Thread(target=call, args=(me,), daemon=True) for me in range(5)]
    for thread in threads:
        thread.start()
    assert eventually(lambda: len(list(tmp_path.glob("started-*"))) >= 2)
    (tmp_path / "release").touch()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(answers) == [0, 1, 2, 3, 4]
    assert [answers[me].status_code for me in range(5)] == [200] * 5
    assert all(answer.json()["released"] for answer in answers.values())
    assert len({answer.json()["pid"] for answer in answers.values()}) <= 2


# --- the runtime's boto3, and layers -------------------------------------------------------------


def test_boto3_is_importable_as_in_lambdas_python_runtime(server: Running) -> None:
    got = get(server, "/sdk").json()
    assert got == {"boto3": boto3.__version__, "botocore": botocore.__version__, "client": "DynamoDB"}


def test_a_layers_botocore_wins_and_a_build_method_layer_is_built_as_sam_builds_it(
    server: Running, project: Path, built: str
) -> None:
    """SdkLayer brings its own botocore (it wins over the runtime's); DepsLayer has
    BuildMethod python3.11, so `tollway build` put its source and its requirements (a local
    wheel) under python/ of the built layer, which the function imports from."""
    folders = dict(line.split("\t") for line in built.splitlines())
    assert set(folders) >= {"DepsLayer", "LayeredFunction"}
    got = get(server, "/layered").json()
    assert got["botocore"] == "0.0.1-from-the-layer"
    assert got["tinydep"] == "from the wheel"
    assert got["helpers"] == f"{folders['DepsLayer']}/python/helpers/__init__.py"


# --- function output on the console ----------------------------------------------------------------


def test_serve_shows_function_output_on_its_console(project: Path, built: str, tmp_path: Path) -> None:
    """As `sam local start-api` does: the function's prints and Lambda's START / END / REPORT
    lines, unprefixed, on the server's stderr."""
    running = start_server(project / "template.yaml", tmp_path)
    assert get(running, "/echo").json() == {"echoed": True}
    _, _, err = running.stop()
    lines = err.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("START RequestId: "))
    request_id = lines[start].split()[2]
    assert lines[start + 1] == "hello from EchoFunction"
    assert lines[start + 2] == f"END RequestId: {request_id}"
    assert lines[start + 3].startswith(f"REPORT RequestId: {request_id}\tDuration: ")


def test_quiet_functions_hides_function_output(project: Path, built: str, tmp_path: Path) -> None:
    running = start_server(project / "template.yaml", tmp_path, "--quiet-functions")
    assert get(running, "/echo").json() == {"echoed": True}
    _, _, err = running.stop()
    assert "hello from EchoFunction" not in err and "START RequestId" not in err
    logs = run_cli("--store", running.store, "logs", "EchoFunction")
    assert "hello from EchoFunction" in logs.stdout  # still in the function's log


# --- tollway invoke --debug-port ---------------------------------------------------------------------


def test_invoke_with_a_debug_port_waits_for_a_debugger_then_runs_without_timeout(
    project: Path, built: str, tmp_path: Path
) -> None:
    """The instance starts under debugpy on 127.0.0.1:PORT and waits; a DAP client sends
    initialize / attach / configurationDone; the handler then runs past its 1 s Timeout
    (no timeout while debugging) and the result is printed."""
    port = free_port()
    event = write(tmp_path / "event.json", json.dumps({"n": 7}))
    store = f"sqlite:///{project.parent}/store.db"
    command = tollway_cmd(
        "--store", store, "invoke", "DebugFunction", "--event", event, "--debug-port", str(port)
    )
    invoke = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=project, env=_env()
    )
    try:
        client = DapClient(port)
        attached = client.attach()
        assert attached["success"] is True, attached
        out, err = invoke.communicate(timeout=60)
        client.close()
    finally:
        if invoke.poll() is None:
            invoke.kill()
            invoke.communicate()
    assert invoke.returncode == 0, err
    assert json.loads(out) == {"debugged": True, "n": 7}
    assert f"Debugger listening on 127.0.0.1:{port}: waiting for it to attach" in err
    assert "Task timed out" not in err and "\nREPORT RequestId: " in err


def test_debug_port_must_be_a_port(project: Path) -> None:
    done = run_cli("invoke", "DebugFunction", "--debug-port", "70000", cwd=project)
    assert done.returncode == 2
    assert "--debug-port: must be 1 to 65535, not '70000'" in done.stderr


# --- from PyPI: the Powertools layer and a pinned botocore ----------------------------------------------


@pytest.mark.registry  # installs aws-lambda-powertools[all]==3.2.0 and botocore==1.35.0 from PyPI
def test_build_installs_the_powertools_layer_and_requirements_win_over_the_runtime_sdk(
    tmp_path: Path,
) -> None:
    """A Powertools layer ARN (AWSLambdaPowertoolsPythonV3-python311-x86_64:3) is its PyPI
    package of that version; a requirements.txt pinning botocore 1.35.0 beats the runtime's."""
    folder = tmp_path / "registry"
    shutil.copytree(FIXTURES / "registry", folder)
    store = f"sqlite:///{tmp_path}/store.db"
    template = str(folder / "template.yaml")

    def invoke(name: str) -> tuple[int, Any]:
        done = run_cli("--store", store, "invoke", name, "--template", template, timeout=120)
        return done.returncode, json.loads(done.stdout)

    before = invoke("ToolsFunction")
    assert before[0] == 1 and "No module named 'aws_lambda_powertools'" in before[1]["errorMessage"]
    built = run_cli("--store", store, "build", template, timeout=600)
    assert built.returncode == 0, built.stderr
    folders = dict(line.split("\t") for line in built.stdout.splitlines())
    powertools = "arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python311-x86_64:3"
    code, tools = invoke("ToolsFunction")
    assert code == 0 and tools["version"] == "3.2.0"
    assert tools["file"].startswith(folders[powertools] + "/python/")
    code, pinned = invoke("PinnedFunction")
    assert code == 0 and pinned["botocore"] == "1.35.0"
    assert pinned["file"].startswith(folders["PinnedFunction"])
