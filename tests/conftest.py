"""Fixtures shared by every test level (see support.py).

The whole run, and every process it starts, keeps its caches (inline function code, pip's
downloads) in a temporary ``XDG_CACHE_HOME``: tests never write into the user's ``~/.cache``.
"""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest

from support import private_redis, serve, upstream

__all__ = ["private_redis", "serve", "upstream"]

_CACHE_KEY = pytest.StashKey[str]()


def pytest_configure(config: pytest.Config) -> None:
    cache = tempfile.mkdtemp(prefix="tollway-tests-cache-")
    config.stash[_CACHE_KEY] = cache
    os.environ["XDG_CACHE_HOME"] = cache


def pytest_unconfigure(config: pytest.Config) -> None:
    cache = config.stash.get(_CACHE_KEY, None)
    if cache is not None:
        shutil.rmtree(cache, ignore_errors=True)
