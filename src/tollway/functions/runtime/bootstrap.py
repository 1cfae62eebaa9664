"""The worker: one Lambda execution environment, run as ``python -I -S bootstrap.py FD``.

Standard library only: the worker must not see the gateway's site-packages. It talks to the
gateway over the socket FD with length-prefixed frames (``!IB``: body length, kind):

- gateway -> worker: ``INIT`` (JSON: handler, sys.path entries, debug port) once, then
  ``INVOKE`` frames whose body is ``!H`` meta length, meta
  (``request_id\\narn\\ndeadline_ms\\ntrace_id``), event bytes. The trace id becomes
  ``_X_AMZN_TRACE_ID`` for that invocation, as Lambda sets it.
- worker -> gateway: ``READY`` or ``INIT_ERROR`` (Lambda's error document), then for each
  invocation ``RESULT`` (the marshalled return value) or ``ERROR`` (error document), each
  after ``!I``: the worker's peak resident memory so far (``VmHWM``, kB), which the gateway
  checks against the memory size (read here, it costs the gateway no system call).

Stdout and stderr are the function's log: unbuffered, like Lambda's runtime, so a crash loses
nothing and every byte written before a result frame is already in the log pipe.
The error documents and messages follow the AWS Lambda Python runtime interface client.
"""

from __future__ import annotations

import importlib
import io
import json
import logging
import os
import socket
import struct
import sys
import time
import traceback
from typing import Any

HEADER = struct.Struct("!IB")
META = struct.Struct("!H")
PEAK = struct.Struct("!I")
TRACE_VARIABLE = "_X_AMZN_TRACE_ID"
INSTANCE_NICE = 10
"""How far below the gateway instances run (``nice``); see ``main``."""
INIT, INVOKE, READY, INIT_ERROR, RESULT, ERROR = 1, 2, 3, 4, 5, 6


class Fault(Exception):
    """A runtime fault with Lambda's ``Runtime.*`` error type."""

    def __init__(self, error_type: str, message: str, trace: list[str] | None = None) -> None:
        super().__init__(message)
        self.error_type, self.message, self.trace = error_type, message, trace or []


class CognitoIdentity:
    """``context.identity``: empty unless invoked through the Mobile SDK (as on Lambda)."""

    __slots__ = ("cognito_identity_id", "cognito_identity_pool_id")

    def __init__(self) -> None:
        self.cognito_identity_id: str | None = None
        self.cognito_identity_pool_id: str | None = None


class LambdaContext:
    """The handler's ``context`` argument, with the attributes Lambda's Python runtime sets."""

    # Read once: these variables describe the environment and do not change.
    function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
    function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
    memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")  # a string, as on Lambda
    log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
    log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")

    def __init__(self, request_id: str, arn: str, deadline_ms: int) -> None:
        self.aws_request_id = request_id
        self.invoked_function_arn = arn
        self.identity = CognitoIdentity()
        self.client_context = None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        return max(self._deadline_ms - int(time.time() * 1000), 0)

    def log(self, msg: object) -> None:
        sys.stdout.write(str(msg))


def error_document(error_type: str, message: str, trace: list[str], request_id: str) -> dict[str, Any]:
    return {"errorMessage": message, "errorType": error_type, "requestId": request_id, "stackTrace": trace}


def user_trace(tb: Any) -> list[str]:
    """The traceback without this file's frames, formatted as Lambda's ``stackTrace``."""
    frames = traceback.extract_tb(tb)
    while frames and frames[0].filename == __file__:
        frames.pop(0)
    return traceback.format_list(frames)


def log_error(doc: dict[str, Any]) -> None:
    lines = [f"[ERROR] {doc['errorType']}: {doc['errorMessage']}", "Traceback (most recent call last):"]
    lines += [line for entry in doc["stackTrace"] for line in entry.splitlines()]
    sys.stdout.write("\n".join(lines) + "\n")


def load_handler(spec: str) -> Any:
    try:
        modname, fname = spec.rsplit(".", 1)
    except ValueError as exc:
        raise Fault("Runtime.MalformedHandlerName", f"Bad handler '{spec}': {exc}") from None
    if modname.split(".")[0] in sys.builtin_module_names:
        message = f"Cannot use built-in module {modname} as a handler module"
        raise Fault("Runtime.BuiltInModuleConflict", message)
    try:
        module = importlib.import_module(modname.replace("/", "."))
    except ImportError as exc:
        raise Fault("Runtime.ImportModuleError", f"Unable to import module '{modname}': {exc}") from None
    except SyntaxError as exc:
        trace = [f'  File "{exc.filename}" Line {exc.lineno}\n    {exc.text}']
        message = f"Syntax error in module '{modname}': {exc}"
        raise Fault("Runtime.UserCodeSyntaxError", message, trace) from None
    try:
        return getattr(module, fname)
    except AttributeError:
        raise Fault("Runtime.HandlerNotFound", f"Handler '{fname}' missing on module '{modname}'") from None


class Marshaller:
    """JSON in and out, as Lambda's runtime does (``bytes`` results pass through unchanged)."""

    def __init__(self) -> None:
        # Lambda's runtime writes non-ASCII characters as-is only on python3.12.
        ensure_ascii = os.environ.get("AWS_EXECUTION_ENV") != "AWS_Lambda_python3.12"
        self.encoder = json.JSONEncoder(ensure_ascii=ensure_ascii, default=_decimal)

    def event(self, body: bytes) -> Any:
        try:
            return json.loads(body or b"{}")
        except Exception as exc:
            raise Fault("Runtime.UnmarshalError", f"Unable to unmarshal input: {exc}") from None

    def result(self, value: Any) -> bytes:
        if isinstance(value, bytes):
            return value
        try:
            return self.encoder.encode(value).encode()
        except Exception as exc:
            raise Fault("Runtime.MarshalError", f"Unable to marshal response: {exc}") from None


def _decimal(value: Any) -> Any:
    import decimal

    if isinstance(value, decimal.Decimal):
        return float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


class Channel:
    def __init__(self, fd: int) -> None:
        self.sock = socket.socket(fileno=fd)
        self.rfile = self.sock.makefile("rb")

    def read(self) -> tuple[int, bytes]:
        header = self.rfile.read(HEADER.size)
        if len(header) < HEADER.size:
            sys.exit(0)  # the gateway went away
        size, kind = HEADER.unpack(header)
        return kind, self.rfile.read(size)

    def send(self, kind: int, body: bytes) -> None:
        self.sock.sendall(HEADER.pack(len(body), kind) + body)


class PeakMemory:
    """This process's peak resident memory, ``VmHWM`` of ``/proc/self/status``.

    Not ``ru_maxrss``: Linux carries that over ``execve`` from the forked gateway."""

    def __init__(self) -> None:
        try:
            self.fd = os.open("/proc/self/status", os.O_RDONLY)
        except OSError:
            self.fd = -1

    def kb(self) -> int:
        """0 when unknown. One pread on a kept descriptor: the kernel renders the text anew."""
        try:
            status = os.pread(self.fd, 4096, 0)
            start = status.index(b"VmHWM:") + 6
            return int(status[start : status.index(b"kB", start)])
        except (OSError, ValueError):
            return 0


class RequestIdFilter(logging.Filter):
    request_id = ""

    def filter(self, record: logging.LogRecord) -> bool:
        record.aws_request_id = RequestIdFilter.request_id
        return True


def setup_stdio_and_logging() -> None:
    """Unbuffered stdout/stderr and the root log handler Lambda's Python runtime installs."""
    for fd, name in ((1, "stdout"), (2, "stderr")):
        raw = io.FileIO(fd, "w", closefd=False)
        stream = io.TextIOWrapper(raw, encoding="utf-8", errors="backslashreplace", write_through=True)
        setattr(sys, name, stream)
    logging.Formatter.converter = time.gmtime
    handler = logging.StreamHandler(sys.stdout)
    handler.terminator = ""
    fmt = "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n"
    handler.setFormatter(logging.Formatter(fmt, "%Y-%m-%dT%H:%M:%S"))
    handler.addFilter(RequestIdFilter())
    logging.getLogger().addHandler(handler)


def wait_for_debugger(port: int) -> None:
    """``--debug-port``: listen for a debugger (DAP, debugpy) and wait until one attaches,
    so breakpoints hit from the handler module's first line on."""
    try:
        import debugpy  # type: ignore[import-not-found,unused-ignore]  # on the path when debugging

        debugpy.listen(("127.0.0.1", port))
    except Exception as exc:
        message = f"Cannot listen for a debugger on port {port}: {exc}"
        raise Fault("Runtime.DebuggerUnavailable", message) from None
    sys.stdout.write(f"Debugger listening on 127.0.0.1:{port}: waiting for it to attach\n")
    debugpy.wait_for_client()


def init(channel: Channel) -> Any:
    _, body = channel.read()
    config = json.loads(body)
    sys.path[0:0] = config["path"]
    try:
        if config.get("debug_port"):
            wait_for_debugger(int(config["debug_port"]))
        handler = load_handler(config["handler"])
    except Fault as fault:
        doc = error_document(fault.error_type, fault.message, fault.trace, "")
    except Exception as exc:
        doc = error_document(type(exc).__name__, str(exc), user_trace(exc.__traceback__), "")
    else:
        channel.send(READY, b"")
        return handler
    log_error(doc)
    channel.send(INIT_ERROR, json.dumps(doc).encode())
    sys.exit(1)


def set_trace_id(value: str) -> None:
    """``os.environ["_X_AMZN_TRACE_ID"] = value`` for Python code, without ``putenv``: glibc
    keeps every value ever given to ``setenv``, so a unique trace per invocation through it
    would grow the worker by about 140 bytes an invocation (measured), forever. The X-Ray SDK,
    Powertools and ``os.getenv`` read the mapping; a subprocess sees the value only when it is
    started with ``env=os.environ`` (C code reading ``getenv`` does not see it)."""
    environ = os.environ
    environ._data[environ.encodekey(TRACE_VARIABLE)] = environ.encodevalue(value)  # type: ignore[attr-defined]


def new_trace_id() -> str:
    """A trace header for an invocation that came without one (Lambda starts a new trace)."""
    return f"Root=1-{int(time.time()):08x}-{os.urandom(12).hex()};Parent={os.urandom(8).hex()};Sampled=0"


def invoke(handler: Any, marshaller: Marshaller, body: bytes) -> tuple[int, bytes]:
    (meta_size,) = META.unpack_from(body)
    request_id, arn, deadline, trace_id = body[META.size : META.size + meta_size].decode().split("\n")
    RequestIdFilter.request_id = request_id
    set_trace_id(trace_id or new_trace_id())
    try:
        event = marshaller.event(body[META.size + meta_size :])
        result = handler(event, LambdaContext(request_id, arn, int(deadline)))
        return RESULT, marshaller.result(result)
    except Fault as fault:
        doc = error_document(fault.error_type, fault.message, fault.trace, request_id)
    except Exception as exc:
        doc = error_document(type(exc).__name__, str(exc), user_trace(exc.__traceback__), request_id)
    log_error(doc)
    return ERROR, json.dumps(doc).encode()


def lower_priority() -> None:
    """Run below the gateway: when functions use every core, the gateway still gets the
    moments it needs to answer (or refuse) the requests behind them; alone, a function runs
    as fast. An instance leads its own session, and where Linux groups the scheduling by
    session (autogroup) a nice value counts only inside the group: the group's is set too."""
    os.nice(INSTANCE_NICE)
    try:
        with open("/proc/self/autogroup", "w") as group:
            group.write(str(INSTANCE_NICE))
    except OSError:
        pass  # no autogroup here: the process's nice value is what counts


def main() -> None:
    lower_priority()
    channel = Channel(int(sys.argv[1]))
    setup_stdio_and_logging()
    handler = init(channel)
    marshaller = Marshaller()
    peak = PeakMemory()
    while True:
        kind, body = channel.read()
        if kind == INVOKE:
            kind, answer = invoke(handler, marshaller, body)
            channel.send(kind, PEAK.pack(peak.kb()) + answer)


if __name__ == "__main__":
    main()
