"""Which declared runtimes tollway runs, and what invoking any other one answers.

tollway runs Python handlers only. A template's Node.js, Java, .NET, Go / ``provided``
functions and container images are still imported (their routes exist, as on AWS), and
each invocation of one fails as Lambda fails a function whose runtime cannot start: a
function error (``X-Amz-Function-Error: Unhandled``) with a ``Runtime.InvalidEntrypoint``
document, so a Lambda proxy integration answers 502 and a non-proxy one goes through its
integration responses. Why is logged once per function and process, not per request.
"""

from __future__ import annotations

import json
import logging

from tollway.functions.runtime.executor import InvokeResult

IMAGE = "image"
"""The runtime recorded for a container-image function (``PackageType: Image``)."""

log = logging.getLogger("tollway.functions")


def runs_here(runtime: str) -> bool:
    """True for the runtimes tollway runs (``python3.x``, on the installed Python)."""
    return runtime.startswith("python")


def describe(runtime: str) -> str:
    return "a container image" if runtime == IMAGE else f"runtime {runtime or '(none)'}"


class UnsupportedRuntimes:
    """Answers invocations of functions on a runtime tollway does not run."""

    def __init__(self) -> None:
        self._logged: set[str] = set()

    def answer(self, name: str, version: str, runtime: str, request_id: str) -> InvokeResult:
        """The failed invocation of ``name`` (logging why, the first time)."""
        why = f"tollway runs Python functions only; {name} is {describe(runtime)}"
        if name not in self._logged:
            self._logged.add(name)
            log.warning(
                "function %s cannot run: %s; its invocations fail "
                "(502 behind a REST API, 500 behind an HTTP API)",
                name,
                why,
            )
        doc = {
            "errorMessage": f"RequestId: {request_id} Error: {why}",
            "errorType": "Runtime.InvalidEntrypoint",
        }
        return InvokeResult(
            payload=json.dumps(doc).encode(), function_error="Unhandled", executed_version=version
        )
