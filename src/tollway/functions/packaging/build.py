"""``tollway build``: install each function's ``requirements.txt`` into its own folder.

The folder is ``<cache root>/<sha256 of requirements.txt and the interpreter>``, so
functions with the same requirements share one build and functions that pin different
versions of a package each get theirs. pip installs into a scratch folder that is renamed
into place with a marker file inside, written last: a crashed or interrupted build leaves
no folder that looks complete, and the next build does it again. The executor puts the
built folder on the function's ``sys.path`` after its code (``build_dir_for``).

Code given as a ``.zip`` is taken as already packaged (as Lambda takes it) and not built.
Layers are built too (``tollway.functions.packaging.layer_build``): those with ``Metadata:
BuildMethod`` as ``sam build`` builds them, and public layers named by ARN from PyPI.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from tollway.errors import TollwayError
from tollway.functions.runtime.runtimes import runs_here
from tollway.model.functions import FunctionConfig, FunctionDef

BUILD_DIR_ENV = "TOLLWAY_BUILD_DIR"
MARKER = ".tollway-build-complete"
REQUIREMENTS = "requirements.txt"
PIP: tuple[str, ...] = (sys.executable, "-m", "pip")
_SQLITE = "sqlite:///"
_OUTPUT_TAIL = 2000


class BuildError(TollwayError):
    """pip could not install a function's requirements (the message ends with pip's output)."""


@dataclass(frozen=True, slots=True)
class BuildOutcome:
    """What ``build_all`` did for one function: its build folder (None: nothing to build)."""

    function: str
    folder: str | None
    requirements: str | None


def default_build_root(store_url: str) -> str:
    """``$TOLLWAY_BUILD_DIR``, else ``build`` next to a SQLite store's file, else
    ``.tollway/build`` in the current directory."""
    configured = os.environ.get(BUILD_DIR_ENV)
    if configured:
        return os.path.abspath(configured)
    path = store_url[len(_SQLITE) :] if store_url.startswith(_SQLITE) else ""
    if path and path != ":memory:":
        return str(Path(path).resolve().parent / "build")
    return os.path.abspath(os.path.join(".tollway", "build"))


def requirements_of(config: FunctionConfig) -> Path | None:
    """The ``requirements.txt`` of a function's code folder, if it has one."""
    candidate = Path(config.code_path) / REQUIREMENTS
    return candidate if candidate.is_file() else None


def build_folder(requirements: Path, cache_root: str) -> Path:
    """The folder a requirements file builds into (same file, same interpreter: same folder)."""
    digest = hashlib.sha256(requirements.read_bytes())
    digest.update(f"\0{sys.implementation.cache_tag}\0{sys.version_info[:2]}".encode())
    return Path(cache_root) / digest.hexdigest()[:32]


def build_dir_for(fn: FunctionDef, config: FunctionConfig, cache_root: str) -> str | None:
    """The completed build folder of ``config`` (a config of ``fn``), or None if not built."""
    requirements = requirements_of(config)
    if requirements is None:
        return None
    folder = build_folder(requirements, cache_root)
    return str(folder) if (folder / MARKER).is_file() else None


def build_function(
    fn: FunctionDef, config: FunctionConfig, *, cache_root: str, pip: Sequence[str] = PIP
) -> str | None:
    """Install ``config``'s requirements (skipped when already built); the build folder,
    or None when the code has no ``requirements.txt``. Raises BuildError if pip fails."""
    requirements = requirements_of(config)
    if requirements is None:
        return None
    folder = build_folder(requirements, cache_root)
    subject = f"function {fn.name}"
    return build_into(folder, subject, lambda scratch: pip_install(subject, requirements, scratch, pip))


def build_into(folder: Path, subject: str, fill: Callable[[Path], None], *, rebuild: bool = False) -> str:
    """Make ``folder``: ``fill`` fills a scratch folder, which is renamed into place with
    ``MARKER`` written last (a failed build leaves no folder that looks complete). A folder
    already complete is kept unless ``rebuild``. Raises BuildError."""
    if not rebuild and (folder / MARKER).is_file():
        return str(folder)
    scratch = folder.with_name(f".{folder.name}.{os.getpid()}.partial")
    old = folder.with_name(f".{folder.name}.{os.getpid()}.old")
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    try:
        fill(scratch)
        (scratch / MARKER).write_text(f"{subject}\n", encoding="utf-8")
        if folder.exists():
            folder.rename(old)  # an older build (or an unfinished one): replaced in one rename
        scratch.rename(folder)
    except OSError as exc:
        if rebuild or not (folder / MARKER).is_file():  # another build finishing first is fine
            raise BuildError(f"{subject}: cannot write its build folder {folder}: {exc}") from exc
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)
    return str(folder)


def build_all(
    functions: Iterable[FunctionDef], *, cache_root: str, pip: Sequence[str] = PIP
) -> list[BuildOutcome]:
    """Build every function (its ``$LATEST`` config and each published version whose code
    folder differs), in order; stops at the first BuildError."""
    outcomes = []
    for fn in functions:
        if not runs_here(fn.config.runtime):
            continue  # Node.js, Java...: tollway does not run them, so builds nothing for them
        configs = {c.code_path: c for c in (fn.config, *fn.versions.values())}
        for config in configs.values():
            folder = build_function(fn, config, cache_root=cache_root, pip=pip)
            requirements = requirements_of(config)
            outcomes.append(BuildOutcome(fn.name, folder, str(requirements) if requirements else None))
    return outcomes


def pip_install(subject: str, requirements: Path, target: Path, pip: Sequence[str] = PIP) -> None:
    """``pip install -r requirements --target target``; BuildError (naming ``subject``, such as
    ``function NAME``, and ending with pip's output) if it fails."""
    command = [
        *pip,
        "install",
        "--disable-pip-version-check",
        "--no-input",
        "--quiet",
        "--requirement",
        str(requirements),
        "--target",
        str(target),
    ]
    try:
        # cwd: requirements may name files relative to themselves (-r other.txt, ./lib).
        done = subprocess.run(command, cwd=requirements.parent, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise BuildError(f"{subject}: cannot run {command[0]}: {exc}") from exc
    if done.returncode != 0:
        output = (done.stderr or done.stdout).strip()[-_OUTPUT_TAIL:]
        raise BuildError(f"{subject}: installing {requirements} failed:\n{output}")
