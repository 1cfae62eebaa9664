"""setup.py's mypyc build: the modules it compiles exist, and a compiled install runs them.

``.ci/run`` runs the suite a second time against the wheel ``pip install .`` builds, with
``TOLLWAY_EXPECT_COMPILED=1``; the editable install of the first run is pure Python.
"""

from __future__ import annotations

import ast
import importlib
import importlib.machinery
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def compiled_paths() -> list[str]:
    tree = ast.parse((REPO / "setup.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "COMPILED" for target in node.targets
        ):
            paths = ast.literal_eval(node.value)
            assert isinstance(paths, list)
            return [str(path) for path in paths]
    raise AssertionError("setup.py has no COMPILED list")


def module_name(path: str) -> str:
    return path.removesuffix(".py").replace("/", ".")


def test_every_module_setup_compiles_is_a_source_file_of_tollway() -> None:
    paths = compiled_paths()
    assert paths, "setup.py compiles nothing"
    assert len(set(paths)) == len(paths)
    missing = [path for path in paths if not (REPO / "src" / path).is_file()]
    assert missing == [], f"setup.py compiles modules that do not exist: {missing}"


@pytest.mark.skipif(
    not os.environ.get("TOLLWAY_EXPECT_COMPILED"),
    reason="the installed tollway is the pure-Python (editable) build; .ci/run repeats this "
    "against the compiled wheel with TOLLWAY_EXPECT_COMPILED=1",
)
def test_a_compiled_install_imports_every_listed_module_from_its_extension() -> None:
    suffixes = tuple(importlib.machinery.EXTENSION_SUFFIXES)
    pure = [
        name
        for name in map(module_name, compiled_paths())
        if not str(importlib.import_module(name).__file__).endswith(suffixes)
    ]
    assert pure == [], f"imported as Python source, not compiled: {pure}"
