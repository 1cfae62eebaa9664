"""The report's header: the machine, the load setup, the versions and the date."""

from __future__ import annotations

import datetime
import json
import os
import platform
import shutil
import subprocess
from pathlib import Path

from suite import install
from suite.peers import Context


def _first_line(cmd: list[str], prefix: str = "") -> str:
    """The first line ``cmd`` prints (wrk -v exits 1 after printing it), without ``prefix``."""
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return "not installed"
    lines = (done.stdout + done.stderr).strip().splitlines()
    return lines[0].strip().removeprefix(prefix) if lines else "not installed"


def _module_version(python: str, module: str) -> str:
    code = f"import importlib.metadata as m; print(m.version({module!r}))"
    done = subprocess.run([python, "-c", code], capture_output=True, text=True, timeout=60)
    return done.stdout.strip() if done.returncode == 0 else "not installed"


def _npm_version(package: str) -> str:
    manifest = install.NODE / "node_modules" / package / "package.json"
    try:
        return str(json.loads(manifest.read_text())["version"])
    except (OSError, ValueError, KeyError):
        return "not installed"


def machine() -> dict[str, str]:
    model = "unknown"
    memory = "unknown"
    try:
        model = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
        kb = next(
            line.split()[1]
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
        memory = f"{int(kb) / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration):
        pass
    return {"nproc": str(os.cpu_count()), "cpu": model, "memory": memory, "kernel": platform.release()}


def versions(ctx: Context, wrk: str) -> dict[str, str]:
    tollway = ctx.found("tollway")
    bench = str(install.VENV / "bin" / "python")
    result = {
        "python": _first_line([tollway, "--version"], "Python ") if tollway else "not used",
        "tollway": f"{_module_version(tollway, 'tollway')}, {ctx.found('tollway build') or 'build missing'}"
        if tollway
        else "not used",
        "nginx": _first_line(
            [ctx.found("nginx") or shutil.which("nginx") or "/usr/sbin/nginx", "-v"], "nginx version: nginx/"
        ),
        "wrk": _first_line([wrk, "-v"], "wrk ").split(" Copyright")[0],
    }
    for module in ("uvicorn", "granian", "chalice", "ministack", "boto3"):
        result[module] = _module_version(bench, module) if Path(bench).exists() else "not installed"
    result["serverless"] = _npm_version("serverless")
    result["serverless-offline"] = _npm_version("serverless-offline")
    result["node"] = _first_line(["node", "--version"])
    return result


def collect(
    ctx: Context, wrk: str, connections: int, duration_s: float, repetitions: int, warmup_s: float
) -> dict[str, object]:
    """Everything the header shows (and the JSON keeps)."""
    return {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine(),
        "setup": {
            "load": f"wrk -t1 -c{connections}, {duration_s:g} s per run after a {warmup_s:g} s warm-up",
            "repetitions": repetitions,
            "note": "wrk, the peer and its upstream share the same cores",
        },
        "versions": versions(ctx, wrk),
    }
