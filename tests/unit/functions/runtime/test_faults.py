"""The platform's error documents: Sandbox.Timedout, Runtime.OutOfMemory, Runtime.ExitError."""

from __future__ import annotations

import json
import signal

import pytest

from tollway.functions.runtime import faults


@pytest.mark.parametrize(
    ("returncode", "reason"),
    [
        (1, "exit status 1"),
        (-signal.SIGKILL, "signal: killed"),
        (-signal.SIGSEGV, "signal: segmentation fault"),
        (-signal.SIGABRT, "signal: aborted"),
        (-signal.SIGTERM, "signal: terminated"),
    ],
)
def test_exit_reasons_are_worded_like_lambda(returncode: int, reason: str) -> None:
    assert faults.exit_reason(returncode) == reason


def test_a_runtime_that_exits_cleanly_mid_invocation_gave_no_reason() -> None:
    outcome = faults.exited("r-1", 0)
    assert json.loads(outcome.payload) == {
        "errorMessage": "RequestId: r-1 Error: Runtime exited without providing a reason",
        "errorType": "Runtime.ExitError",
    }
    assert (outcome.error, outcome.status, outcome.error_type, outcome.fatal) == (
        True,
        "error",
        "Runtime.ExitError",
        True,
    )


def test_timeout_document_and_report_status() -> None:
    outcome = faults.timed_out("r-2", 3)
    assert json.loads(outcome.payload) == {
        "errorMessage": "RequestId: r-2 Error: Task timed out after 3.00 seconds",
        "errorType": "Sandbox.Timedout",
    }
    assert (outcome.status, outcome.error_type, outcome.fatal) == ("timeout", None, True)


def test_init_failure_reports_the_runtime_error_type() -> None:
    doc = (
        b'{"errorMessage": "x", "errorType": "Runtime.ImportModuleError", "requestId": "", "stackTrace": []}'
    )
    outcome = faults.init_failed(doc)
    assert (outcome.payload, outcome.error_type, outcome.fatal) == (doc, "Runtime.ImportModuleError", True)
