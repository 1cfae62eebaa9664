"""LocalExecutor with real worker processes: warm/cold, context, isolation, limits and faults.

Every test starts real ``python -I -S bootstrap.py`` workers running the handlers in
tests/fixtures/functions, and checks what Lambda documents for the same situation.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import time
import zipfile
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from tollway.functions.runtime.executor import FunctionNotFound, InvokeResult, TooManyRequests
from tollway.functions.runtime.instance import Instance
from tollway.functions.runtime.local import LocalExecutor
from tollway.model.functions import FunctionAlias, FunctionConfig, FunctionDef

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "functions"
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"


def config(folder: str | Path, handler: str, **kw: Any) -> FunctionConfig:
    code = folder if isinstance(folder, Path) else FIXTURES / folder
    return FunctionConfig(handler=handler, runtime="python3.12", code_path=str(code), **kw)


def function(name: str, folder: str | Path, handler: str, **kw: Any) -> FunctionDef:
    reserved = kw.pop("reserved", None)
    return FunctionDef(name, name, config(folder, handler, **kw), reserved_concurrency=reserved)


def body(result: InvokeResult) -> Any:
    return json.loads(result.payload)


def running(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie waiting to be reaped."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


async def eventually(check: Callable[[], bool], timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        await asyncio.sleep(0.05)
    return check()


@pytest.fixture
async def make() -> AsyncIterator[Callable[..., LocalExecutor]]:
    made: list[LocalExecutor] = []

    def factory(*functions: FunctionDef, **kw: Any) -> LocalExecutor:
        made.append(LocalExecutor({f.name: f for f in functions}, **kw))
        return made[-1]

    yield factory
    for executor in made:
        await executor.close()


async def test_cold_start_runs_module_init_once_and_warm_invocations_reuse_the_process(make: Any) -> None:
    """Lambda runs the init code once per execution environment and reuses it while warm."""
    ex = make(function("hello", "basic", "app.handler"))
    first = await ex.invoke("hello", b'{"n": 1}')
    second = await ex.invoke("hello", b'{"n": 2}')
    assert body(first)["event"] == {"n": 1}
    assert (body(first)["inits"], body(first)["calls"]) == (1, 1)
    assert (body(second)["inits"], body(second)["calls"]) == (1, 2)
    assert body(first)["pid"] == body(second)["pid"]
    assert "Init Duration: " in first.log_tail
    assert "Init Duration" not in second.log_tail
    assert first.function_error is None and first.executed_version == "$LATEST"
    assert re.match(f"init ran\nSTART RequestId: {UUID} Version: \\$LATEST\n", first.log_tail)


async def test_context_and_environment_are_the_ones_lambda_provides(make: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("GATEWAY_ONLY_SECRET", "must-not-leak")
    ex = make(function("ctx", "basic", "app.describe", environment={"COLOR": "blue"}, memory_mb=256))
    seen = body(await ex.invoke("ctx", b"{}", request_id="11111111-2222-4333-8444-555555555555"))
    assert seen["aws_request_id"] == "11111111-2222-4333-8444-555555555555"
    assert seen["function_name"] == "ctx"
    assert seen["function_version"] == "$LATEST"
    assert seen["invoked_function_arn"] == "arn:aws:lambda:us-east-1:123456789012:function:ctx"
    assert seen["memory_limit_in_mb"] == "256"  # a string, as Lambda's Python runtime gives it
    assert seen["log_group_name"] == "/aws/lambda/ctx"
    assert re.fullmatch(r"\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}", seen["log_stream_name"])
    assert 0 < seen["remaining_ms"] <= 3000
    assert seen["identity"] is None and seen["client_context"] is None
    env = seen["env"]
    code = str(FIXTURES / "basic")
    assert env["COLOR"] == "blue"
    assert "GATEWAY_ONLY_SECRET" not in env and "VIRTUAL_ENV" not in env
    expected = {
        "AWS_LAMBDA_FUNCTION_NAME": "ctx",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
        "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/ctx",
        "AWS_LAMBDA_LOG_STREAM_NAME": seen["log_stream_name"],
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
        "_HANDLER": "app.describe",
        "LAMBDA_TASK_ROOT": code,
        "TZ": ":UTC",
    }
    assert {key: env.get(key) for key in expected} == expected
    assert seen["cwd"] == code
    assert seen["path"][0] == code
    assert not any("site-packages" in entry for entry in seen["path"])


async def test_two_functions_see_only_their_own_code_environment_and_layers(make: Any) -> None:
    """Same module name ``shared`` in both code folders; env and layers differ per function."""
    ex = make(
        function(
            "a", "iso_a", "app.handler", environment={"ONLY_A": "1"}, layers=(str(FIXTURES / "layer_one"),)
        ),
        function("b", "iso_b", "app.handler", environment={"ONLY_B": "2"}),
    )
    a, b = await asyncio.gather(ex.invoke("a", b"{}"), ex.invoke("b", b"{}"))
    assert body(a) == {"shared": "a", "only_a": "1", "only_b": None, "layer": True, "gateway_modules": []}
    assert body(b) == {"shared": "b", "only_a": None, "only_b": "2", "layer": False, "gateway_modules": []}


async def test_zip_code_is_extracted_once_and_runs_from_the_extracted_folder(
    make: Any, tmp_path: Path
) -> None:
    archive = tmp_path / "code.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(FIXTURES / "basic" / "app.py", "app.py")
    ex = make(function("zipped", archive, "app.describe"))
    seen = body(await ex.invoke("zipped", b"{}"))
    assert seen["cwd"] != str(tmp_path) and (Path(seen["cwd"]) / "app.py").is_file()
    assert seen["env"]["LAMBDA_TASK_ROOT"] == seen["cwd"]


async def test_reserved_concurrency_exhausted_throttles_at_once(make: Any) -> None:
    """Lambda does not queue synchronous invocations: over the limit is TooManyRequestsException."""
    ex = make(function("slow", "faults", "app.sleep", reserved=1, timeout_s=5))
    first = asyncio.create_task(ex.invoke("slow", b'{"seconds": 1}'))
    await asyncio.sleep(0)  # the first invocation is admitted and in flight
    with pytest.raises(TooManyRequests):
        await ex.invoke("slow", b'{"seconds": 0}')
    assert (await first).payload == b'"woke"'
    assert (await ex.invoke("slow", b'{"seconds": 0}')).payload == b'"woke"'


async def test_a_burst_over_the_shared_concurrency_waits_for_free_instances(make: Any) -> None:
    """Lambda would start more execution environments; tollway's limit is its own, so the
    invocations over it wait for a free instance instead of being throttled."""
    ex = make(function("slow", "faults", "app.sleep", timeout_s=30), total_concurrency=2)
    results = await asyncio.gather(*(ex.invoke("slow", b'{"seconds": 0.3}') for _ in range(5)))
    assert [r.payload for r in results] == [b'"woke"'] * 5
    assert all(r.function_error is None for r in results)
    assert ex.live_instances() <= 2


async def test_reserved_functions_do_not_wait_for_the_shared_pool(make: Any) -> None:
    ex = make(
        function("slow", "faults", "app.sleep", timeout_s=30),
        function("quick", "faults", "app.ok", timeout_s=30),
        function("own", "faults", "app.ok", reserved=1),
        total_concurrency=1,
    )
    first = asyncio.create_task(ex.invoke("slow", b'{"seconds": 1.5}'))
    await asyncio.sleep(0)  # admitted: the one shared slot is taken
    waiting = asyncio.create_task(ex.invoke("quick", b"{}"))
    assert (await ex.invoke("own", b"{}")).function_error is None  # reserved: not from the shared pool
    assert not first.done() and not waiting.done()
    assert (await waiting).function_error is None
    assert first.done()


async def test_idle_instances_are_stopped_after_the_idle_timeout(make: Any) -> None:
    ex = make(function("hello", "basic", "app.handler"), idle_timeout_s=0.3)
    pid = body(await ex.invoke("hello", b"{}"))["pid"]
    assert await eventually(lambda: ex.live_instances() == 0 and not running(pid))
    again = await ex.invoke("hello", b"{}")
    assert body(again)["pid"] != pid and "Init Duration" in again.log_tail


async def test_an_instance_used_again_lives_its_full_idle_timeout_from_its_last_call(make: Any) -> None:
    ex = make(function("hello", "basic", "app.handler"), idle_timeout_s=0.6)
    pid = body(await ex.invoke("hello", b"{}"))["pid"]
    await asyncio.sleep(0.4)
    assert body(await ex.invoke("hello", b"{}"))["pid"] == pid  # warm: idle again from now
    await asyncio.sleep(0.4)  # past the first call's deadline, not the second's
    assert running(pid) and ex.live_instances() == 1
    assert await eventually(lambda: ex.live_instances() == 0 and not running(pid))


async def test_timeout_kills_the_instance_with_lambdas_error_and_the_next_call_starts_fresh(
    make: Any,
) -> None:
    ex = make(function("slow", "faults", "app.sleep", timeout_s=1))
    result = await ex.invoke("slow", b'{"seconds": 30}', request_id="aaaaaaaa-0000-4000-8000-000000000001")
    assert result.function_error == "Unhandled"
    assert body(result) == {
        "errorMessage": "RequestId: aaaaaaaa-0000-4000-8000-000000000001 "
        "Error: Task timed out after 1.00 seconds",
        "errorType": "Sandbox.Timedout",
    }
    assert "\tStatus: timeout\n" in result.log_tail
    assert ex.live_instances() == 0
    after = await ex.invoke("slow", b'{"seconds": 0}')
    assert after.payload == b'"woke"' and "Init Duration" in after.log_tail


async def test_memory_over_memory_size_kills_the_instance_with_runtime_out_of_memory(make: Any) -> None:
    ex = make(function("hog", "faults", "app.allocate", memory_mb=128, timeout_s=10))
    result = await ex.invoke(
        "hog", b'{"mb": 300, "hold": 3}', request_id="bbbbbbbb-0000-4000-8000-000000000002"
    )
    assert result.function_error == "Unhandled"
    assert body(result) == {
        "errorMessage": "RequestId: bbbbbbbb-0000-4000-8000-000000000002 "
        "Error: Runtime exited with error: signal: killed",
        "errorType": "Runtime.OutOfMemory",
    }
    assert "Max Memory Used: 128 MB\t" in result.log_tail
    assert "Status: error\tError Type: Runtime.OutOfMemory" in result.log_tail
    assert (await ex.invoke("hog", b'{"mb": 1}')).payload == str(1024 * 1024).encode()


async def test_a_killed_instance_is_reaped_by_the_loop_not_waited_for(make: Any, monkeypatch: Any) -> None:
    """Stopping an instance (here 300 MB resident, past its timeout) does not wait for the
    kernel to tear the worker down, which takes tens of ms for a big one and held every other
    request of the gateway meanwhile; the loop reaps it once it is gone, leaving no zombie."""
    after_stop: dict[int, int | None] = {}
    original = Instance.stop

    def stop(self: Instance) -> None:
        original(self)
        if self._proc is not None:
            after_stop.setdefault(self._proc.pid, self._proc.returncode)

    monkeypatch.setattr(Instance, "stop", stop)
    ex = make(function("big", "faults", "app.allocate", memory_mb=1024, timeout_s=1))
    result = await ex.invoke("big", b'{"mb": 300, "hold": 10}')
    assert body(result)["errorType"] == "Sandbox.Timedout"
    [(pid, returncode)] = after_stop.items()
    assert returncode is None  # killed, not waited for
    assert await eventually(lambda: not os.path.exists(f"/proc/{pid}"))  # reaped: not even a zombie
    assert (await ex.invoke("big", b'{"mb": 1}')).payload == str(1024 * 1024).encode()


async def test_the_gateways_own_memory_never_counts_against_an_instance(make: Any) -> None:
    """An instance is forked from the gateway: only the function's memory counts, however
    large the gateway is (Linux carries ``ru_maxrss`` over exec, so that would not do)."""
    ballast = b"\x01" * (200 * 1024 * 1024)  # resident in this (the gateway's) process
    ex = make(function("small", "faults", "app.ok", memory_mb=128))
    result = await ex.invoke("small", b"{}")
    assert result.function_error is None, result.payload
    assert len(ballast) == 200 * 1024 * 1024


async def test_a_spike_freed_before_returning_still_exceeds_memory_size(make: Any) -> None:
    """The limit applies to the peak, as on Lambda: memory touched and released within one
    invocation counts even when the handler returns at once (``hold`` 0)."""
    ex = make(function("spike", "faults", "app.allocate", memory_mb=128, timeout_s=10))
    result = await ex.invoke("spike", b'{"mb": 140}')
    assert result.function_error == "Unhandled"
    assert body(result)["errorType"] == "Runtime.OutOfMemory"
    assert "Max Memory Used: 128 MB\t" in result.log_tail
    small = await ex.invoke("spike", b'{"mb": 1}')
    assert small.function_error is None and "Init Duration" in small.log_tail  # a new instance


@pytest.mark.parametrize(
    ("handler", "reason"),
    [
        ("app.exit_one", "exit status 1"),
        ("app.sys_exit", "exit status 3"),
        ("app.segfault", "signal: segmentation fault"),
        ("app.kill_self", "signal: killed"),
    ],
)
async def test_a_crashing_runtime_is_runtime_exit_error_and_other_functions_are_unaffected(
    make: Any, handler: str, reason: str
) -> None:
    ex = make(function("crash", "faults", handler), function("ok", "faults", "app.ok"))
    before = body(await ex.invoke("ok", b"{}"))["pid"]
    result = await ex.invoke("crash", b"{}", request_id="cccccccc-0000-4000-8000-000000000003")
    assert result.function_error == "Unhandled"
    assert body(result) == {
        "errorMessage": "RequestId: cccccccc-0000-4000-8000-000000000003 "
        f"Error: Runtime exited with error: {reason}",
        "errorType": "Runtime.ExitError",
    }
    assert "Status: error\tError Type: Runtime.ExitError" in result.log_tail
    assert body(await ex.invoke("ok", b"{}"))["pid"] == before
    assert ex.live_instances() == 1


async def test_exception_in_handler_is_an_unhandled_error_with_lambdas_document(make: Any) -> None:
    ex = make(function("err", "faults", "app.raise_error"))
    result = await ex.invoke("err", b"{}", request_id="dddddddd-0000-4000-8000-000000000004")
    doc = body(result)
    assert result.function_error == "Unhandled"
    assert (doc["errorMessage"], doc["errorType"], doc["requestId"]) == (
        "something broke",
        "ValueError",
        "dddddddd-0000-4000-8000-000000000004",
    )
    assert (
        len(doc["stackTrace"]) == 1
        and 'in raise_error\n    raise ValueError("something broke")' in doc["stackTrace"][0]
    )
    assert "[ERROR] ValueError: something broke\nTraceback (most recent call last):\n" in result.log_tail
    assert ex.live_instances() == 1  # a function error does not reset the environment


@pytest.mark.parametrize(
    ("folder", "handler", "error_type", "message"),
    [
        (
            "import_missing",
            "app.handler",
            "Runtime.ImportModuleError",
            "Unable to import module 'app': No module named 'a_module_that_is_not_installed'",
        ),
        ("import_raise", "app.handler", "RuntimeError", "boom at import"),
        ("basic", "app.nope", "Runtime.HandlerNotFound", "Handler 'nope' missing on module 'app'"),
        (
            "basic",
            "nohandler",
            "Runtime.MalformedHandlerName",
            "Bad handler 'nohandler': not enough values to unpack (expected 2, got 1)",
        ),
    ],
)
async def test_init_failures_return_the_runtime_error_and_every_call_retries_init(
    make: Any, folder: str, handler: str, error_type: str, message: str
) -> None:
    ex = make(function("broken", folder, handler))
    for _ in range(2):
        result = await ex.invoke("broken", b"{}")
        doc = body(result)
        assert result.function_error == "Unhandled"
        assert (doc["errorType"], doc["errorMessage"], doc["requestId"]) == (error_type, message, "")
        assert f"Status: error\tError Type: {error_type}" in result.log_tail
        assert ex.live_instances() == 0


async def test_syntax_error_in_handler_module_is_runtime_user_code_syntax_error(
    make: Any, tmp_path: Path
) -> None:
    (tmp_path / "app.py").write_text("def handler(event, context)\n    return 1\n")
    doc = body(await make(function("bad", tmp_path, "app.handler")).invoke("bad", b"{}"))
    assert doc["errorType"] == "Runtime.UserCodeSyntaxError"
    assert doc["errorMessage"].startswith("Syntax error in module 'app': expected ':'")


async def test_results_are_marshalled_like_lambda(make: Any) -> None:
    ex = make(function("set", "faults", "app.not_json"), function("raw", "faults", "app.raw_bytes"))
    bad = await ex.invoke("set", b"{}")
    assert bad.function_error == "Unhandled"
    assert (body(bad)["errorType"], body(bad)["errorMessage"]) == (
        "Runtime.MarshalError",
        "Unable to marshal response: Object of type set is not JSON serializable",
    )
    assert (await ex.invoke("raw", b"{}")).payload == b"\x00raw"
    unparsable = await ex.invoke("raw", b"not json")
    assert (body(unparsable)["errorType"], body(unparsable)["errorMessage"]) == (
        "Runtime.UnmarshalError",
        "Unable to unmarshal input: Expecting value: line 1 column 1 (char 0)",
    )


async def test_log_lines_frame_each_invocation_like_lambda(make: Any, tmp_path: Path) -> None:
    ex = make(function("hello", "basic", "app.handler"), log_dir=str(tmp_path))
    await ex.invoke("hello", b'{"n": 1}', request_id="eeeeeeee-0000-4000-8000-000000000005")
    await ex.invoke("hello", b'{"n": 2}', request_id="ffffffff-0000-4000-8000-000000000006")
    report = (
        r"REPORT RequestId: {id}\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\tMemory Size: 128 MB"
        r"\tMax Memory Used: \d+ MB{init}\n"
    )
    expected = (
        "init ran\n"
        "START RequestId: eeeeeeee-0000-4000-8000-000000000005 Version: \\$LATEST\n"
        "handling 1\n"
        "END RequestId: eeeeeeee-0000-4000-8000-000000000005\n"
        + report.format(id="eeeeeeee-0000-4000-8000-000000000005", init=r"\tInit Duration: \d+\.\d\d ms")
        + "START RequestId: ffffffff-0000-4000-8000-000000000006 Version: \\$LATEST\n"
        "handling 2\n"
        "END RequestId: ffffffff-0000-4000-8000-000000000006\n"
        + report.format(id="ffffffff-0000-4000-8000-000000000006", init="")
    )
    assert re.fullmatch(expected, ex.logs.tail("hello"))
    await asyncio.sleep(0)  # the file is written at the end of the loop's turn
    assert re.fullmatch(expected, (tmp_path / "hello.log").read_text())


async def test_flooding_stdout_is_bounded_and_does_not_block(make: Any) -> None:
    ex = make(function("flood", "faults", "app.flood", timeout_s=30))
    result = await ex.invoke("flood", b'{"lines": 20000}')  # about 20 MB of output
    assert result.payload == b'"flooded"'
    assert len(result.log_tail.encode()) <= 4096
    assert result.log_tail.endswith("\n") and "REPORT RequestId: " in result.log_tail
    assert len(ex.logs.tail("flood").encode()) <= 256 * 1024


async def test_a_forked_child_flooding_stdout_cannot_hang_the_gateway_and_dies_on_close(make: Any) -> None:
    ex = make(function("forker", "faults", "app.fork_and_flood"), function("ok", "faults", "app.ok"))
    group = body(await ex.invoke("forker", b"{}"))["parent"]
    for _ in range(3):
        assert (await ex.invoke("ok", b"{}")).function_error is None
    assert re.search(r"x{4096}", ex.logs.tail("forker"))
    await ex.close()
    assert await eventually(lambda: not _group_members(group))


async def test_close_leaves_no_process_behind(make: Any) -> None:
    ex = make(function("parent", "faults", "app.spawn_sleeper"), function("slow", "faults", "app.sleep"))
    spawned = body(await ex.invoke("parent", b"{}"))["child"]
    busy = asyncio.create_task(ex.invoke("slow", b'{"seconds": 30}'))
    assert await eventually(lambda: ex.live_instances() == 2)
    await ex.close()
    assert body(await busy)["errorType"] == "Runtime.ExitError"
    assert await eventually(lambda: not running(spawned))
    assert ex.live_instances() == 0


async def test_alias_weights_route_between_versions_and_report_the_executed_version(make: Any) -> None:
    one = config("basic", "app.version_label", environment={"LABEL": "one"})
    two = config("basic", "app.version_label", environment={"LABEL": "two"})
    fdef = FunctionDef(
        "fn",
        "Fn",
        config("basic", "app.version_label", environment={"LABEL": "latest"}),
        versions={"1": one, "2": two},
        aliases={"live": FunctionAlias("live", "1", {"2": 0.5})},
    )
    ex = make(fdef, rng=random.Random(7))
    seen = set()
    for _ in range(16):
        result = await ex.invoke("arn:aws:lambda:us-east-1:123456789012:function:fn:live", b"{}")
        label = body(result)["label"]
        assert {"one": "1", "two": "2"}[label] == result.executed_version == body(result)["version"]
        seen.add(result.executed_version)
    assert seen == {"1", "2"}
    assert body(await ex.invoke("fn", b"{}", qualifier="2"))["label"] == "two"
    assert body(await ex.invoke("fn:$LATEST", b"{}"))["label"] == "latest"
    for name, qualifier in [("nope", None), ("fn", "3"), ("fn:live", "1")]:
        with pytest.raises(FunctionNotFound):
            await ex.invoke(name, b"{}", qualifier=qualifier)


async def test_invoked_function_arn_is_the_qualified_arn_that_was_invoked(make: Any) -> None:
    one = config("basic", "app.describe")
    fdef = FunctionDef("fn", "Fn", one, versions={"1": one}, aliases={"prod": FunctionAlias("prod", "1")})
    seen = body(await make(fdef).invoke("fn", b"{}", qualifier="prod"))
    assert seen["invoked_function_arn"] == "arn:aws:lambda:us-east-1:123456789012:function:fn:prod"
    assert seen["function_version"] == "1"


async def test_missing_code_folder_is_a_clear_error_not_a_traceback(make: Any, tmp_path: Path) -> None:
    result = await make(function("gone", tmp_path / "missing", "app.handler")).invoke("gone", b"{}")
    assert result.function_error == "Unhandled"
    assert body(result)["errorType"] == "Runtime.InvalidEntrypoint"
    assert body(result)["errorMessage"] == f"code path {tmp_path / 'missing'} is not a folder or a .zip file"


async def test_update_retires_changed_functions_and_replace_instances_restarts_one(make: Any) -> None:
    same = function("same", "basic", "app.handler")
    ex = make(function("changing", "basic", "app.describe", environment={"V": "1"}), same)
    same_pid = body(await ex.invoke("same", b"{}"))["pid"]
    assert body(await ex.invoke("changing", b"{}"))["env"]["V"] == "1"
    ex.update(
        {"changing": function("changing", "basic", "app.describe", environment={"V": "2"}), "same": same}
    )
    assert body(await ex.invoke("changing", b"{}"))["env"]["V"] == "2"
    assert body(await ex.invoke("same", b"{}"))["pid"] == same_pid
    ex.replace_instances("same")
    assert body(await ex.invoke("same", b"{}"))["pid"] != same_pid
    ex.update({"same": same})
    with pytest.raises(FunctionNotFound):
        await ex.invoke("changing", b"{}")


def _group_members(pgid: int) -> list[int]:
    members = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":
                members.append(int(entry))
    return members


async def test_boto3_is_importable_as_in_lambdas_python_runtime(make: Any) -> None:
    """Lambda's Python runtimes include boto3 and its dependencies; the function sees them
    without shipping them (and still sees nothing else of the gateway's packages)."""
    ex = make(function("sdk", "sdk", "app.sdk", environment={"AWS_REGION": "ignored"}))
    got = body(await ex.invoke("sdk", b"{}"))
    import boto3

    assert got == {
        "boto3": boto3.__version__,
        "boto3_dist": boto3.__version__,
        "client": "S3",
        "region": "us-east-1",
    }


async def test_a_botocore_in_a_layer_or_the_build_folder_wins_over_the_runtimes(
    make: Any, tmp_path: Path
) -> None:
    """The runtime's SDK comes last on the path: a version the function ships wins."""
    layer = tmp_path / "layer" / "python" / "botocore"
    layer.mkdir(parents=True)
    (layer / "__init__.py").write_text("__version__ = '0.0.1-layer'\n", encoding="utf-8")
    build = tmp_path / "build" / "botocore"
    build.mkdir(parents=True)
    (build / "__init__.py").write_text("__version__ = '0.0.2-build'\n", encoding="utf-8")
    layered = function("layered", "sdk", "app.botocore_version", layers=(str(tmp_path / "layer"),))
    built = function("built", "sdk", "app.botocore_version", layers=(str(tmp_path / "layer"),))
    plain = function("plain", "sdk", "app.botocore_version")
    ex = make(
        layered,
        built,
        plain,
        build_dir_for=lambda fn, config: str(tmp_path / "build") if fn.name == "built" else None,
    )
    import botocore

    assert body(await ex.invoke("layered", b"{}"))["botocore"] == "0.0.1-layer"
    assert body(await ex.invoke("built", b"{}"))["botocore"] == "0.0.2-build"
    assert body(await ex.invoke("plain", b"{}"))["botocore"] == botocore.__version__
