"""Functions on a runtime tollway does not run fail as Lambda fails a runtime that cannot start."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from tollway.functions.runtime.local import LocalExecutor
from tollway.functions.runtime.runtimes import IMAGE, runs_here
from tollway.model.functions import FunctionConfig, FunctionDef


def _function(name: str, runtime: str, folder: Path) -> FunctionDef:
    return FunctionDef(
        name, name, FunctionConfig(handler="index.handler", runtime=runtime, code_path=str(folder))
    )


@pytest.mark.parametrize(
    ("runtime", "runs"),
    [("python3.12", True), ("python3.9", True), ("nodejs20.x", False), ("java21", False), (IMAGE, False)],
)
def test_only_python_runtimes_run_here(runtime: str, runs: bool) -> None:
    assert runs_here(runtime) is runs


async def test_invoking_a_node_function_is_a_function_error_logged_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    executor = LocalExecutor({"NodeFn": _function("NodeFn", "nodejs20.x", tmp_path)}, log_dir=str(tmp_path))
    caplog.set_level(logging.WARNING, logger="tollway.functions")
    try:
        first = await executor.invoke("NodeFn", b"{}", request_id="r-1")
        second = await executor.invoke("NodeFn", b"{}", request_id="r-2")
        assert executor.live_instances() == 0  # no process was started
    finally:
        await executor.close()

    assert first.function_error == second.function_error == "Unhandled"
    doc = json.loads(first.payload)
    assert doc["errorType"] == "Runtime.InvalidEntrypoint"
    assert doc["errorMessage"] == (
        "RequestId: r-1 Error: tollway runs Python functions only; NodeFn is runtime nodejs20.x"
    )
    logged = [r.getMessage() for r in caplog.records if "NodeFn" in r.getMessage()]
    assert len(logged) == 1 and "cannot run" in logged[0]


async def test_a_container_image_function_says_so(tmp_path: Path) -> None:
    executor = LocalExecutor({"Img": _function("Img", IMAGE, tmp_path)})
    try:
        result = await executor.invoke("Img", b"{}", request_id="r")
    finally:
        await executor.close()
    assert json.loads(result.payload)["errorMessage"].endswith("Img is a container image")
