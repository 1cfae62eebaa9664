"""Lambda's error documents for failures of the execution environment itself.

The function's own errors (exceptions, import errors) are built inside the worker; these are
the ones the platform reports: timeout (``Sandbox.Timedout``), out of memory
(``Runtime.OutOfMemory``) and a runtime process that exited (``Runtime.ExitError``).
"""

from __future__ import annotations

import json
import signal
from dataclasses import dataclass

# Lambda's platform is written in Go and names signals the way Go's os.ProcessState does.
_SIGNAL_NAMES: dict[int, str] = {
    signal.SIGHUP: "hangup",
    signal.SIGINT: "interrupt",
    signal.SIGQUIT: "quit",
    signal.SIGILL: "illegal instruction",
    signal.SIGTRAP: "trace/breakpoint trap",
    signal.SIGABRT: "aborted",
    signal.SIGBUS: "bus error",
    signal.SIGFPE: "floating point exception",
    signal.SIGKILL: "killed",
    signal.SIGUSR1: "user defined signal 1",
    signal.SIGSEGV: "segmentation fault",
    signal.SIGUSR2: "user defined signal 2",
    signal.SIGPIPE: "broken pipe",
    signal.SIGALRM: "alarm clock",
    signal.SIGTERM: "terminated",
}


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one invocation (or a failed cold start) produced."""

    payload: bytes
    error: bool = False
    """A function error (``X-Amz-Function-Error: Unhandled``)."""
    status: str | None = None
    """The REPORT line's ``Status`` (``timeout`` / ``error``) when the environment failed."""
    error_type: str | None = None
    """The REPORT line's ``Error Type`` when the environment failed."""
    fatal: bool = False
    """The instance cannot be reused."""


def _doc(error_type: str, message: str) -> bytes:
    return json.dumps({"errorMessage": message, "errorType": error_type}).encode()


def exit_reason(returncode: int) -> str:
    if returncode < 0:
        return f"signal: {_SIGNAL_NAMES.get(-returncode, f'signal {-returncode}')}"
    return f"exit status {returncode}"


def timed_out(request_id: str, timeout_s: float) -> Outcome:
    message = f"RequestId: {request_id} Error: Task timed out after {timeout_s:.2f} seconds"
    return Outcome(_doc("Sandbox.Timedout", message), True, "timeout", None, True)


def out_of_memory(request_id: str) -> Outcome:
    message = f"RequestId: {request_id} Error: Runtime exited with error: signal: killed"
    return Outcome(_doc("Runtime.OutOfMemory", message), True, "error", "Runtime.OutOfMemory", True)


def exited(request_id: str, returncode: int) -> Outcome:
    if returncode == 0:
        message = f"RequestId: {request_id} Error: Runtime exited without providing a reason"
    else:
        message = f"RequestId: {request_id} Error: Runtime exited with error: {exit_reason(returncode)}"
    return Outcome(_doc("Runtime.ExitError", message), True, "error", "Runtime.ExitError", True)


def init_failed(doc: bytes) -> Outcome:
    """A cold start whose init raised: Lambda returns the runtime's document; the environment is reset."""
    try:
        error_type = str(json.loads(doc).get("errorType") or "Runtime.Unknown")
    except ValueError:
        error_type = "Runtime.Unknown"
    return Outcome(doc, True, "error", error_type, True)
