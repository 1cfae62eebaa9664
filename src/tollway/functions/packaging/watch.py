"""``tollway serve --watch``: notice when a function's code changes on disk."""

from __future__ import annotations

import os

from tollway.functions.runtime.runtimes import runs_here
from tollway.model.functions import FunctionDef


def code_stamp(fn: FunctionDef) -> float:
    """The newest modification time under the function's code and layers (0 if absent).

    Scanning a folder costs a stat per file; code folders are small, and this runs off the
    event loop once a second.
    """
    if not runs_here(fn.config.runtime):
        return 0.0  # never run, so never restarted: no need to walk its node_modules
    newest = 0.0
    for root in (fn.config.code_path, *fn.config.layers):
        newest = max(newest, _newest(root))
    return newest


def _newest(path: str) -> float:
    try:
        newest = os.stat(path).st_mtime
    except OSError:
        return 0.0
    if not os.path.isdir(path):
        return newest
    for folder, dirs, files in os.walk(path):
        dirs[:] = [d for d in dirs if d != "__pycache__" and not d.startswith(".")]
        for name in files:
            try:
                newest = max(newest, os.stat(os.path.join(folder, name)).st_mtime)
            except OSError:
                continue
    return newest
