"""Install what the suite needs, on first use: Debian packages, a bench venv, npm packages.

Every ``ensure_*`` returns what it found or installed, or raises ``Missing`` with the reason,
so that a peer that cannot be had is reported as missing and never silently dropped.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1]
REPO = BENCH.parent
VENV = BENCH / ".venv"
NODE = BENCH / ".node"
BUILDS = BENCH / ".build"
PIP_TIMEOUT_S = 900


class Missing(Exception):
    """A tool or peer that cannot be installed or started here; the message says why."""


_apt_updated = False


def _run(cmd: list[str], timeout: float = PIP_TIMEOUT_S, cwd: Path | None = None) -> tuple[bool, str]:
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=cwd)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, str(exc)
    tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
    return done.returncode == 0, " / ".join(tail)


def _log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def ensure_apt(binary: str, packages: list[str]) -> str:
    """The path of ``binary``, installing the first Debian package of ``packages`` that installs."""
    global _apt_updated
    found = shutil.which(binary) or next(
        (p for p in (f"/usr/sbin/{binary}", f"/usr/bin/{binary}") if os.access(p, os.X_OK)), None
    )
    if found:
        return found
    if not shutil.which("apt-get"):
        raise Missing(f"{binary} is not installed and apt-get is not available")
    reason = ""
    for attempt in range(2):
        for package in packages:
            _log(f"installing {package} (apt-get)")
            ok, reason = _run(["apt-get", "install", "-y", "--no-install-recommends", package])
            path = shutil.which(binary) or (
                f"/usr/sbin/{binary}" if os.access(f"/usr/sbin/{binary}", os.X_OK) else None
            )
            if ok and path:
                return path
        if attempt == 0 and not _apt_updated:
            _apt_updated = True
            _run(["apt-get", "update"])
    raise Missing(f"apt-get install {' or '.join(packages)} failed: {reason}")


def bench_python() -> Path:
    """bench/.venv's python, creating the venv from the system python3 when absent."""
    python = VENV / "bin" / "python"
    if python.exists():
        return python
    system = shutil.which("python3")
    if not system:
        raise Missing("no python3 to create bench/.venv with")
    _log("creating bench/.venv")
    ok, reason = _run([system, "-m", "venv", str(VENV)])
    if not ok:
        raise Missing(f"python3 -m venv bench/.venv failed: {reason}")
    return python


def can_import(python: Path | str, modules: str) -> bool:
    ok, _ = _run([str(python), "-c", f"import {modules}"], timeout=60)
    return ok


def ensure_pip(modules: str, requirements: list[str]) -> Path:
    """bench/.venv's python once ``import modules`` works there, pip-installing requirements if not."""
    python = bench_python()
    if can_import(python, modules):
        return python
    _log(f"installing {' '.join(requirements)} into bench/.venv")
    ok, reason = _run([str(python), "-m", "pip", "install", "--quiet", *requirements])
    if not ok or not can_import(python, modules):
        raise Missing(f"pip install {' '.join(requirements)} failed: {reason}")
    return python


def tollway_python() -> Path:
    """The interpreter that runs tollway from this checkout.

    ``$TOLLWAY_PYTHON`` if set, else the repo's .venv (what .ci/run makes), else bench/.venv
    with ``pip install -e`` of the repo.
    """
    choices = [os.environ.get("TOLLWAY_PYTHON", ""), str(REPO / ".venv" / "bin" / "python")]
    for choice in filter(None, choices):
        if Path(choice).exists() and can_import(choice, "tollway.cli.main"):
            return Path(choice)
    python = bench_python()
    if can_import(python, "tollway.cli.main"):
        return python
    _log("installing tollway (editable) into bench/.venv")
    ok, reason = _run([str(python), "-m", "pip", "install", "--quiet", "-e", str(REPO)])
    if not ok:
        raise Missing(f"pip install -e . failed: {reason}")
    return python


def use_tollway_build(python: Path) -> str:
    """Make every tollway process of this run import the build users get, and say which.

    ``pip install .`` compiles the request path (setup.py, mypyc): the bench builds that
    wheel of this checkout once per source tree, into ``bench/.build/<hash>``, and puts it
    first on ``PYTHONPATH`` (inherited by the servers, their workers and functions).
    With ``$TOLLWAY_NO_MYPYC`` set, as setup.py reads it, tollway runs pure Python.
    """
    if os.environ.get("TOLLWAY_NO_MYPYC"):
        return "pure Python (TOLLWAY_NO_MYPYC)"
    site = BUILDS / _source_hash() / "site"
    if not site.is_dir():
        shutil.rmtree(BUILDS, ignore_errors=True)
        _log("building tollway's compiled wheel (mypyc, about two minutes) into bench/.build")
        with tempfile.TemporaryDirectory() as wheels:
            ok, reason = _run(
                [str(python), "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", wheels, str(REPO)]
            )
            if ok:
                wheel = [str(path) for path in Path(wheels).glob("*.whl")]
                command = [str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site)]
                ok, reason = _run([*command, *wheel])
        if not ok:
            shutil.rmtree(BUILDS, ignore_errors=True)
            raise Missing(f"building tollway's compiled wheel failed: {reason}")
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))
    return f"mypyc-compiled ({site.parent.name})"


def _source_hash() -> str:
    """Of what the wheel is built from: tollway's sources and the build files."""
    digest = hashlib.sha256()
    paths = [*sorted((REPO / "src").rglob("*.py")), REPO / "setup.py", REPO / "pyproject.toml"]
    for path in paths:
        digest.update(str(path.relative_to(REPO)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def ensure_serverless() -> Path:
    """The serverless v3 CLI script with serverless-offline v13 beside it, in bench/.node."""
    script = NODE / "node_modules" / "serverless" / "bin" / "serverless.js"
    plugin = NODE / "node_modules" / "serverless-offline" / "package.json"
    if script.exists() and plugin.exists():
        return script
    npm = shutil.which("npm")
    if not npm:
        ensure_apt("npm", ["npm"])
        npm = shutil.which("npm")
    if not npm or not shutil.which("node"):
        raise Missing("node and npm are not available")
    _log("installing serverless@3 and serverless-offline@13 into bench/.node (npm)")
    ok, reason = _run(
        [
            npm,
            "install",
            "--prefix",
            str(NODE),
            "--no-audit",
            "--no-fund",
            "serverless@3",
            "serverless-offline@13",
        ]
    )
    if not ok or not script.exists():
        raise Missing(f"npm install serverless@3 serverless-offline@13 failed: {reason}")
    return script
