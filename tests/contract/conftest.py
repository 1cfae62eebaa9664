"""Fixtures shared by the store contract files.

``store`` is a fresh, empty store of every backend in ``BACKENDS`` (test_store_contract.py),
one test each. test_store_contract.py defines its own ``store`` (built on its ``url``
fixture), which takes precedence there.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from contract.test_store_contract import BACKENDS, Backend
from tollway.stores import Store, open_store


@pytest.fixture(params=BACKENDS, ids=[b.name for b in BACKENDS])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    backend: Backend = request.param
    opened = open_store(backend.url(tmp_path))
    yield opened
    opened.close()
