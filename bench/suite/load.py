"""Load from a separate process: wrk, 1 thread, with a Lua ``done()`` that prints what we keep.

wrk's own ``--latency`` table stops at p99, so the script prints p50/p99/p99.9 (microseconds),
the request count, the measured duration and every error counter on one parseable line.
"""

from __future__ import annotations

import http.client
import re
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

WRK_TIMEOUT = "5s"
RESULT = re.compile(r"^BENCH_RESULT (.*)$", re.MULTILINE)

DONE_LUA = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH_RESULT requests=%d duration_us=%d connect=%d read=%d write=%d status=%d timeout=%d "
    .. "p50=%.1f p99=%.1f p999=%.1f max=%.1f\\n",
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9), latency.max))
end
"""


@dataclass(frozen=True, slots=True)
class Target:
    """One request, repeated by the load: what every peer of a scenario is asked."""

    url: str
    method: str = "GET"
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class LoadResult:
    requests: int
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    p999_ms: float
    errors: dict[str, int]
    """Socket errors (connect, read, write, timeout) and status (HTTP status >= 400, wrk's count)."""

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


def _script(target: Target) -> str:
    lines = [f'wrk.method = "{target.method}"']
    if target.body:
        lines.append(f"wrk.body = [==[{target.body}]==]")
    lines += [f'wrk.headers["{name}"] = "{value}"' for name, value in target.headers.items()]
    return "\n".join(lines) + DONE_LUA


def parse(output: str) -> LoadResult:
    """The BENCH_RESULT line of wrk's output; ValueError when wrk printed none."""
    match = RESULT.search(output)
    if not match:
        raise ValueError(f"wrk printed no result: {output.strip()[-500:]}")
    values = dict(item.split("=", 1) for item in match.group(1).split())
    duration_s = max(float(values["duration_us"]) / 1e6, 1e-9)
    errors = {name: int(values[name]) for name in ("connect", "read", "write", "status", "timeout")}
    return LoadResult(
        requests=int(values["requests"]),
        requests_per_s=int(values["requests"]) / duration_s,
        p50_ms=float(values["p50"]) / 1000,
        p99_ms=float(values["p99"]) / 1000,
        p999_ms=float(values["p999"]) / 1000,
        errors=errors,
    )


def run_wrk(wrk: str, target: Target, connections: int, duration_s: float) -> LoadResult:
    """Run wrk against ``target`` for ``duration_s`` seconds with ``connections`` connections."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_script(target))
    try:
        cmd = [wrk, "-t1", f"-c{connections}", f"-d{max(1, round(duration_s))}s", "--latency"]
        cmd += ["--timeout", WRK_TIMEOUT, "-s", script.name, target.url]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=duration_s + 60)
        return parse(done.stdout + done.stderr)
    finally:
        Path(script.name).unlink(missing_ok=True)


def request(target: Target, timeout: float = 30.0) -> tuple[int, bytes]:
    """One request on a new connection: (status, body)."""
    parts = urlsplit(target.url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=timeout)
    try:
        body = target.body.encode() if target.body else None
        conn.request(target.method, parts.path or "/", body=body, headers=target.headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def first_response_ms(target: Target, timeout: float = 60.0) -> tuple[float, int]:
    """Time from sending a request on a fresh connection to reading the whole response."""
    start = time.perf_counter()
    status, _ = request(target, timeout)
    return (time.perf_counter() - start) * 1000, status
