"""Published versions keep their code: a copy named by its content hash.

Lambda's PublishVersion freezes code and configuration together; a later edit of the code
folder must not change what version 1 runs. Identical code gives the same path, so
"nothing changed since the last version" is a plain comparison of configurations.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

VERSIONS_DIR_ENV = "TOLLWAY_VERSIONS_DIR"
_SKIPPED_DIRS = frozenset({"__pycache__", ".git"})
_Copier = Callable[[Path], object]


def versions_root() -> Path:
    """``$TOLLWAY_VERSIONS_DIR``, else ``$XDG_CACHE_HOME/tollway/versions`` (``~/.cache``)."""
    configured = os.environ.get(VERSIONS_DIR_ENV)
    if configured:
        return Path(configured)
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "tollway" / "versions"


def snapshot_code(code_path: str) -> str:
    """The path of a frozen copy of ``code_path`` (a folder or a .zip); the path itself when
    it does not exist (the version then fails to start, as the live function would)."""
    source = Path(code_path)
    if source.is_file():
        digest = file_digest(source)
        target = versions_root() / f"{digest}{source.suffix}"
        if not target.exists():
            _publish(target, lambda staging: shutil.copyfile(source, staging))
        return str(target)
    if not source.is_dir():
        return code_path
    target = versions_root() / _tree_digest(source)
    if not target.exists():
        _publish(target, lambda staging: shutil.copytree(source, staging, ignore=_ignored))
    return str(target)


def _publish(target: Path, copy: _Copier) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=".staging-")) / "copy"
    try:
        copy(staging)
        with suppress(OSError):  # another process published the same code first
            staging.rename(target)
    finally:
        shutil.rmtree(staging.parent, ignore_errors=True)


def _ignored(folder: str, names: list[str]) -> set[str]:
    return {name for name in names if name in _SKIPPED_DIRS or name.endswith(".pyc")}


def _tree_digest(root: Path) -> str:
    sha = hashlib.sha256()
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in _SKIPPED_DIRS)
        for name in sorted(files):
            if name.endswith(".pyc"):
                continue
            path = Path(folder) / name
            sha.update(str(path.relative_to(root)).encode() + b"\0")
            sha.update(file_digest(path).encode())
    return sha.hexdigest()[:32]


def file_digest(path: Path) -> str:
    """The first 32 hex digits of a file's SHA-256 (names cached copies of code)."""
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            sha.update(chunk)
    return sha.hexdigest()[:32]
