"""``_X_AMZN_TRACE_ID`` in a real worker process, set per invocation as Lambda sets it.

The X-Ray SDK and Powertools' Tracer read the trace of the current invocation from this
variable; Lambda sets it before each invocation (from the caller's trace, or a new one).
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tollway.functions.runtime.local import LocalExecutor
from tollway.model.functions import FunctionConfig, FunctionDef

TRACE = re.compile(r"Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0")
HANDLER = "import os\n\ndef handler(event, context):\n    return os.environ.get('_X_AMZN_TRACE_ID')\n"


@pytest.fixture
async def executor(tmp_path: Path) -> AsyncIterator[LocalExecutor]:
    (tmp_path / "app.py").write_text(HANDLER)
    config = FunctionConfig(handler="app.handler", runtime="python3.12", code_path=str(tmp_path))
    ex = LocalExecutor({"trace": FunctionDef("trace", "trace", config)}, total_concurrency=1)
    yield ex
    await ex.close()


async def test_the_callers_trace_is_the_functions_trace_for_that_invocation(executor: LocalExecutor) -> None:
    given = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
    result = await executor.invoke("trace", b"{}", trace_id=given)
    assert json.loads(result.payload) == given


async def test_an_invocation_without_a_trace_gets_a_new_one_each_time(executor: LocalExecutor) -> None:
    given = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0"
    await executor.invoke("trace", b"{}", trace_id=given)
    first = json.loads((await executor.invoke("trace", b"{}")).payload)
    second = json.loads((await executor.invoke("trace", b"{}")).payload)
    assert TRACE.fullmatch(first) and TRACE.fullmatch(second)
    assert len({given, first, second}) == 3  # the warm worker never keeps the previous trace
