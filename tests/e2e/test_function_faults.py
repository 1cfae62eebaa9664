"""End to end: function faults through `tollway serve` (issue 4, item 3).

Timeout, memory over MemorySize, crashes, forks and stdout floods, reserved concurrency, and
no process left behind after shutdown. Fixture: tests/fixtures/e2e_functions/faults/.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from botocore.config import Config

from e2e.polling import wait_until
from support import REPO, Running, run_cli, start_server

FAULTS = REPO / "tests" / "fixtures" / "e2e_functions" / "faults"
ERROR_502 = {"message": "Internal server error"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """One server for the fault tests: each test uses its own function."""
    folder = tmp_path_factory.mktemp("faults")
    running = start_server(FAULTS / "template.yaml", folder)
    yield running
    running.stop()


def lambda_client(url: str) -> Any:
    return boto3.client(
        "lambda",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="x",
        config=Config(retries={"max_attempts": 0}, read_timeout=60),
    )


def get(server: Running, path: str, **params: str) -> httpx.Response:
    return httpx.get(f"{server.url}/Prod{path}", params=params, timeout=60)


def report_lines(server: Running, name: str) -> list[str]:
    logs = run_cli("--store", server.store, "logs", name)
    return [line for line in logs.stdout.splitlines() if line.startswith("REPORT ")]


def test_timeout_is_502_and_the_next_invocation_works(server: Running) -> None:
    """Timeout: 1 and a handler sleeping 3 s: Lambda stops it (Task timed out after 1.00
    seconds), API Gateway answers 502; a new instance serves the next request."""
    timed_out = get(server, "/sleep", seconds="3")
    assert (timed_out.status_code, timed_out.json()) == (502, ERROR_502)
    assert get(server, "/sleep", seconds="0").status_code == 200
    assert "\tStatus: timeout" in report_lines(server, "SleepyFunction")[0]
    result = lambda_client(server.url).invoke(
        FunctionName="SleepyFunction", Payload=b'{"queryStringParameters": {"seconds": "3"}}'
    )
    error = json.loads(result["Payload"].read())
    assert result["FunctionError"] == "Unhandled"
    assert error["errorType"] == "Sandbox.Timedout"
    assert error["errorMessage"].endswith("Error: Task timed out after 1.00 seconds")


def test_memory_over_memory_size_is_502_and_the_next_invocation_works(server: Running) -> None:
    """MemorySize: 128 and 300 MB allocated: the instance is stopped (Runtime.OutOfMemory)."""
    hungry = get(server, "/eat", mb="300")
    assert (hungry.status_code, hungry.json()) == (502, ERROR_502)
    fine = get(server, "/eat", mb="1")
    assert (fine.status_code, fine.json()["size"]) == (200, 1 << 20)
    report = report_lines(server, "HungryFunction")[0]
    assert "\tMemory Size: 128 MB\tMax Memory Used: 128 MB\t" in report
    assert report.endswith("\tStatus: error\tError Type: Runtime.OutOfMemory")


@pytest.mark.parametrize(
    ("how", "reason"),
    [
        ("exit", "Runtime exited with error: exit status 1"),
        ("kill", "Runtime exited with error: signal: killed"),
        ("segfault", "Runtime exited with error: signal: segmentation fault"),
    ],
)
def test_crash_is_502_instance_replaced_and_other_functions_unaffected(
    server: Running, how: str, reason: str
) -> None:
    """os._exit, SIGKILL of itself, a segfault: 502; the next request gets a new instance; a
    warm instance of another function keeps running (same pid)."""
    stable_pid = get(server, "/stable").json()["pid"]
    crash_pid = get(server, "/crash").json()["pid"]
    crashed = get(server, "/crash", how=how)
    assert (crashed.status_code, crashed.json()) == (502, ERROR_502)
    assert get(server, "/crash").json()["pid"] != crash_pid
    assert get(server, "/stable").json()["pid"] == stable_pid
    result = lambda_client(server.url).invoke(
        FunctionName="CrashFunction", Payload=json.dumps({"queryStringParameters": {"how": how}})
    )
    error = json.loads(result["Payload"].read())
    assert (result["FunctionError"], error["errorType"]) == ("Unhandled", "Runtime.ExitError")
    assert error["errorMessage"].endswith(f"Error: {reason}")


def test_exception_at_import_is_502_every_time_and_others_unaffected(server: Running) -> None:
    """A module that raises during init: each request is a failed cold start (502), the
    error document names the exception, and other functions keep answering."""
    for _ in range(2):
        broken = get(server, "/broken")
        assert (broken.status_code, broken.json()) == (502, ERROR_502)
    assert get(server, "/stable").status_code == 200
    result = lambda_client(server.url).invoke(FunctionName="BrokenInitFunction", Payload=b"{}")
    error = json.loads(result["Payload"].read())
    assert result["FunctionError"] == "Unhandled"
    assert (error["errorType"], error["errorMessage"]) == ("RuntimeError", "init failed on purpose")


def test_forked_child_flooding_stdout_does_not_stop_the_gateway(server: Running) -> None:
    """A handler whose forked child writes 100 MB to stdout and lingers: the gateway keeps
    answering other functions, and the same function again."""
    assert get(server, "/fork", kb=str(100 * 1024)).status_code == 200
    with httpx.Client(timeout=60) as client:
        for _ in range(10):
            assert client.get(f"{server.url}/Prod/stable").status_code == 200
    assert get(server, "/fork").status_code == 200


def _in_flight(server: Running, path: str, folder: Path, me: str) -> tuple[threading.Thread, dict[str, Any]]:
    """Start a request to a barrier handler and wait until the handler runs."""
    got: dict[str, Any] = {}

    def call() -> None:
        got["response"] = get(server, path, dir=str(folder), me=me)

    thread = threading.Thread(target=call, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not (folder / f"started-{me}").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert (folder / f"started-{me}").exists(), got
    return thread, got


def test_reserved_concurrency_exhausted_is_500_as_api_gateway_maps_throttling(
    server: Running, tmp_path: Path
) -> None:
    """ReservedConcurrentExecutions: 1 and a second request while one runs: Lambda throttles
    (TooManyRequestsException, 429 on the Invoke API) and API Gateway answers 500."""
    thread, first = _in_flight(server, "/solo", tmp_path, "1")
    throttled = get(server, "/solo", dir=str(tmp_path), me="2")
    assert (throttled.status_code, throttled.json()) == (500, ERROR_502)
    client = lambda_client(server.url)
    with pytest.raises(client.exceptions.TooManyRequestsException):
        client.invoke(FunctionName="SoloFunction", Payload=b"{}")
    (tmp_path / "release").touch()
    thread.join(timeout=60)
    assert first["response"].status_code == 200
    assert json.loads(first["response"].text)["released"] is True


def test_unreserved_function_runs_concurrent_requests_on_separate_instances(
    server: Running, tmp_path: Path
) -> None:
    """Two requests at once: a second instance starts while the first is busy."""
    first_thread, first = _in_flight(server, "/parallel", tmp_path, "1")
    second_thread, second = _in_flight(server, "/parallel", tmp_path, "2")
    (tmp_path / "release").touch()
    first_thread.join(timeout=60)
    second_thread.join(timeout=60)
    pids = {first["response"].json()["pid"], second["response"].json()["pid"]}
    assert len(pids) == 2


# --- No orphans after shutdown -----------------------------------------------------------------


def _processes_with(marker: str) -> list[int]:
    """Live processes whose command line or environment mentions ``marker``."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                if handle.read().rsplit(b")", 1)[-1].split()[0] == b"Z":
                    continue  # a zombie is already dead
            text = b""
            for part in ("cmdline", "environ"):
                with open(f"/proc/{entry}/{part}", "rb") as handle:
                    text += handle.read()
        except OSError:
            continue
        if marker.encode() in text:
            found.append(int(entry))
    return found


def _leftovers_after_shutdown(serve: Callable[..., Running], tmp_path: Path, **params: str) -> list[int]:
    shutil.copytree(FAULTS, tmp_path / "faults")  # LAMBDA_TASK_ROOT names tmp_path
    marker = f"tollway-e2e-orphan-{uuid.uuid4().hex}"
    running = serve(str(tmp_path / "faults" / "template.yaml"))
    response = get(running, "/fork", marker=marker, **params)
    assert response.status_code == 200
    # The handler returns as soon as it forked; its daemonized grandchild starts a moment later.
    wait_until(lambda: _processes_with(marker), what="the handler's child to be running before shutdown")
    running.process.send_signal(signal.SIGTERM)
    assert running.process.wait(timeout=30) == 0
    deadline = time.monotonic() + 10
    left = _processes_with(str(tmp_path))
    while left and time.monotonic() < deadline:
        time.sleep(0.2)
        left = _processes_with(str(tmp_path))
    return left


def _kill_all(pids: list[int]) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def test_no_function_process_survives_serve_shutdown(serve: Any, tmp_path: Path) -> None:
    """SIGTERM to serve stops every instance with its forked and spawned children."""
    left = _leftovers_after_shutdown(serve, tmp_path)
    _kill_all(left)
    assert left == []


def test_no_daemonized_grandchild_survives_serve_shutdown(serve: Any, tmp_path: Path) -> None:
    """Lambda destroys the whole execution environment: even a double-forked setsid daemon."""
    left = _leftovers_after_shutdown(serve, tmp_path, daemon="1")
    _kill_all(left)
    assert left == []
