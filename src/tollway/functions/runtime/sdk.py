"""Packages the Python runtime provides: the AWS SDK (boto3 and its dependencies) and debugpy.

Lambda's Python runtimes include boto3 with its dependencies (botocore, s3transfer,
jmespath, python-dateutil, six, urllib3) after the function's own code and its layers on
the import path, so a version the function ships in its package or in a layer wins.
Workers run with ``-I -S`` and must not see the gateway's site-packages, so tollway gives
them a folder holding only symbolic links to those distributions (their packages and their
``.dist-info``, so ``importlib.metadata`` reports their versions), made once per set of
installed versions under the code cache. debugpy gets a folder of its own, on the path only
of instances started for a debugger.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata as metadata
import os
import re
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

SDK_ROOT = "boto3"
"""The runtime's SDK: this distribution and everything it requires (extras excepted)."""
DEBUGGER = "debugpy"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_EXTRA = re.compile(r"\bextra\s*==")


@functools.cache
def runtime_sdk_dir() -> str | None:
    """The folder of boto3 and its dependencies, or None when boto3 is not installed."""
    return linked_folder("runtime-sdk", closure(SDK_ROOT))


@functools.cache
def debugger_dir() -> str | None:
    """The folder holding debugpy, or None when it is not installed."""
    return linked_folder("debugger", closure(DEBUGGER))


def closure(root: str) -> list[metadata.Distribution]:
    """``root`` and the installed distributions it requires, transitively (extras skipped)."""
    found: dict[str, metadata.Distribution] = {}
    pending = [root]
    while pending:
        name = _canonical(pending.pop())
        if name in found:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        found[name] = dist
        pending += [req for req in _requirements(dist) if _canonical(req) not in found]
    return list(found.values())


def _requirements(dist: metadata.Distribution) -> list[str]:
    names = []
    for line in dist.requires or ():
        if _EXTRA.search(line):
            continue
        match = _NAME.match(line.strip())
        if match:
            names.append(match.group())
    return names


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def top_level_entries(dist: metadata.Distribution) -> dict[str, Path]:
    """The names a distribution installs at the top of its site-packages (packages, modules,
    its ``.dist-info``), with their paths; scripts and ``__pycache__`` are left out."""
    entries: dict[str, Path] = {}
    for file in dist.files or ():
        first = file.parts[0] if file.parts else ""
        if not first or first in ("..", "__pycache__") or first.endswith(".pth"):
            continue
        path = Path(str(dist.locate_file(first)))
        if path.exists():
            entries[first] = path
    return entries


def linked_folder(label: str, dists: Iterable[metadata.Distribution]) -> str | None:
    """A folder of symbolic links to ``dists``' top-level entries, named by their versions
    and places; made once (a half-made folder is never seen: it is renamed into place)."""
    entries: dict[str, Path] = {}
    for dist in dists:
        entries.update(top_level_entries(dist))
    if not entries:
        return None
    from tollway.functions.runtime.code import cache_root  # code imports this module

    digest = hashlib.sha256("\0".join(f"{n}={p}" for n, p in sorted(entries.items())).encode())
    target = cache_root() / f"{label}-{digest.hexdigest()[:16]}"
    if target.is_dir():
        return str(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{label}-"))
        for name, path in entries.items():
            os.symlink(path, staging / name)
        try:
            staging.rename(target)
        except OSError:  # another process made it first
            shutil.rmtree(staging, ignore_errors=True)
    except OSError:
        return None
    return str(target)
