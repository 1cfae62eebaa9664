"""Layers that ``tollway build`` makes, and the layer folders a function then runs with.

- A local layer with ``Metadata: BuildMethod: python3.x`` is built as ``sam build`` builds
  it: its ``ContentUri`` folder is copied into ``python/`` of the built layer and its
  ``requirements.txt`` installed there. ``BuildMethod: makefile`` runs
  ``make build-<LogicalId>`` in the layer's folder with ``ARTIFACTS_DIR`` set to the built
  layer, as SAM CLI runs it (the Makefile puts its files under ``python/`` itself). Like
  ``sam build``, every build makes them again: their source is the user's to edit.
- A public layer known by ARN (AWS Lambda Powertools for Python) is its PyPI package of the
  same version, installed into ``python/`` of a folder named by the requirement (kept).

Layers live under ``<build root>/layers/<hash>``. At run time (``resolve_layers``), a built
layer replaces its source; a local layer not built yet runs from its source folder as it is,
and a public layer not built yet is left out; each of these is logged once.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tollway.functions.packaging.build import MARKER, PIP, REQUIREMENTS, BuildError, build_into, pip_install
from tollway.functions.packaging.powertools import is_layer_arn, requirement
from tollway.model.functions import FunctionConfig

log = logging.getLogger("tollway")

LAYERS_DIR = "layers"
_SKIPPED = shutil.ignore_patterns("__pycache__", ".git", ".aws-sam", "*.pyc")
_OUTPUT_TAIL = 2000
_warned: set[str] = set()


@dataclass(frozen=True, slots=True)
class LayerOutcome:
    """What ``build_layers`` did for one layer: its name (logical id or ARN) and folder."""

    layer: str
    folder: str


def layer_folder(key: str, cache_root: str) -> Path:
    """Where the layer identified by ``key`` builds (same key and interpreter: same folder)."""
    digest = hashlib.sha256(f"{key}\0{sys.implementation.cache_tag}".encode())
    return Path(cache_root) / LAYERS_DIR / digest.hexdigest()[:32]


def _key(layer: str, config: FunctionConfig) -> str | None:
    """The build key of one of ``config``'s layers, or None if it is not built."""
    if is_layer_arn(layer):
        spec = requirement(layer)
        return f"pypi:{spec}" if spec else None
    build = config.layer_builds.get(layer)
    return f"{build[0]}:{layer}" if build and _buildable(build[0]) else None


def _buildable(method: str) -> bool:
    return method.startswith("python3") or method == "makefile"


def resolve_layers(config: FunctionConfig, cache_root: str) -> tuple[str, ...]:
    """The layer folders ``config`` runs with, in merge order (see the module docstring)."""
    folders = []
    for layer in config.layers:
        key = _key(layer, config)
        built = layer_folder(key, cache_root) if key else None
        if built is not None and (built / MARKER).is_file():
            folders.append(str(built))
        elif not is_layer_arn(layer):
            if key:
                _warn_once(
                    key, cache_root, f"layer {layer} is not built (run `tollway build`); its source is used"
                )
            folders.append(layer)
        elif key:
            _warn_once(
                key, cache_root, f"layer {layer} is not installed (run `tollway build`); it is left out"
            )
    return tuple(folders)


def _warn_once(key: str, cache_root: str, message: str) -> None:
    if (once := f"{cache_root}\0{key}") not in _warned:
        _warned.add(once)
        log.warning(message)


def build_layers(
    configs: Sequence[FunctionConfig], *, cache_root: str, pip: Sequence[str] = PIP
) -> list[LayerOutcome]:
    """Build the layers of ``configs``, each once, in order. Raises BuildError."""
    done: set[str] = set()
    outcomes = []
    for config in configs:
        for layer in config.layers:
            key = _key(layer, config)
            if key is None or key in done:
                continue
            done.add(key)
            folder = _build_one(layer, config, layer_folder(key, cache_root), pip)
            name = layer if is_layer_arn(layer) else config.layer_builds[layer][1]
            outcomes.append(LayerOutcome(name, folder))
    return outcomes


def _build_one(layer: str, config: FunctionConfig, folder: Path, pip: Sequence[str]) -> str:
    if is_layer_arn(layer):
        spec = requirement(layer) or ""
        subject = f"layer {layer}"
        return build_into(folder, subject, lambda scratch: _install_package(subject, spec, scratch, pip))
    method, logical_id = config.layer_builds[layer]
    subject = f"layer {logical_id}"

    def fill(scratch: Path) -> None:
        if method == "makefile":
            _make(subject, logical_id, layer, scratch)
        else:
            _python_layer(subject, layer, scratch, pip)

    return build_into(folder, subject, fill, rebuild=True)  # its source is the user's: always anew


def _install_package(subject: str, spec: str, scratch: Path, pip: Sequence[str]) -> None:
    requirements = scratch / ".requirements.txt"
    requirements.write_text(spec + "\n", encoding="utf-8")
    (scratch / "python").mkdir()
    try:
        pip_install(subject, requirements, scratch / "python", pip)
    finally:
        requirements.unlink(missing_ok=True)


def _python_layer(subject: str, source: str, scratch: Path, pip: Sequence[str]) -> None:
    """SAM's Python layer build: the source under ``python/``, its requirements beside it."""
    if not os.path.isdir(source):
        raise BuildError(f"{subject}: its content {source} is not a folder")
    target = scratch / "python"
    shutil.copytree(source, target, ignore=_SKIPPED, symlinks=True)
    requirements = Path(source) / REQUIREMENTS
    if requirements.is_file():
        pip_install(subject, requirements, target, pip)


def _make(subject: str, logical_id: str, source: str, scratch: Path) -> None:
    """SAM's makefile build: ``make build-<LogicalId>`` with ``ARTIFACTS_DIR``."""
    makefile = Path(source) / "Makefile"
    if not makefile.is_file():
        raise BuildError(f"{subject}: BuildMethod makefile needs {makefile}")
    command = ["make", "--makefile", str(makefile), f"build-{logical_id}"]
    env = {**os.environ, "ARTIFACTS_DIR": str(scratch)}
    try:
        done = subprocess.run(command, cwd=source, env=env, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise BuildError(f"{subject}: cannot run make: {exc}") from exc
    if done.returncode != 0:
        output = (done.stderr or done.stdout).strip()[-_OUTPUT_TAIL:]
        raise BuildError(f"{subject}: make build-{logical_id} failed:\n{output}")
