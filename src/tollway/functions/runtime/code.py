"""What a worker process is given: its code folders (zips extracted once) and its environment.

A function sees only its own code, build folder, layers and environment variables, plus the
variables Lambda sets (``AWS_LAMBDA_FUNCTION_NAME``, ``_HANDLER``, ``LAMBDA_TASK_ROOT``...).
Its import path is Lambda's, in Lambda's order: the code (``/var/task``, where a build puts
the requirements too), the layers (``/opt/python/lib/python3.x/site-packages`` then
``/opt/python``, a later layer over an earlier one since Lambda merges them in order into
``/opt``), then the runtime's own boto3 (``tollway.functions.runtime.sdk``).
"""

from __future__ import annotations

import os
import secrets
import shutil
import sys
import tempfile
import time
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tollway.errors import TollwayError
from tollway.functions.packaging.powertools import is_layer_arn
from tollway.functions.packaging.snapshots import file_digest
from tollway.functions.runtime import sdk
from tollway.model.functions import FunctionConfig

BOOTSTRAP = str(Path(__file__).with_name("bootstrap.py"))

# Placeholders so AWS SDKs inside a function can build clients; the gateway's own credentials
# are never handed to function code. A function's Environment may set real ones.
DUMMY_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "ASIATOLLWAYLOCALDUMMY",
    "AWS_SECRET_ACCESS_KEY": "tollway-local-dummy-secret-access-key",
    "AWS_SESSION_TOKEN": "tollway-local-dummy-session-token",
}


class CodeError(TollwayError):
    """A function's code or layer cannot be used (missing path, bad zip)."""


@dataclass(frozen=True, slots=True)
class WorkerSpec:
    """How to start one worker: argv, environment, cwd and the sys.path entries it prepends."""

    env: dict[str, str]
    cwd: str
    path: list[str]


def cache_root() -> Path:
    return Path(tempfile.gettempdir()) / f"tollway-code-{os.getuid()}"


def extracted(zip_path: str) -> str:
    """The folder holding ``zip_path``'s contents, extracted once per content hash."""
    path = Path(zip_path)
    try:
        target = cache_root() / file_digest(path)
        if target.is_dir():
            return str(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=".extract-"))
        with zipfile.ZipFile(path) as archive:
            archive.extractall(staging)  # extractall drops absolute and ".." member paths
        try:
            staging.rename(target)
        except OSError:  # another process extracted it first
            shutil.rmtree(staging, ignore_errors=True)
    except (OSError, zipfile.BadZipFile) as exc:
        raise CodeError(f"cannot use code archive {zip_path}: {exc}") from None
    return str(target)


def code_folder(code_path: str) -> str:
    if code_path.endswith(".zip") and os.path.isfile(code_path):
        return extracted(code_path)
    if not os.path.isdir(code_path):
        raise CodeError(f"code path {code_path} is not a folder or a .zip file")
    return code_path


def local_layers(config: FunctionConfig) -> tuple[str, ...]:
    """The layers of ``config`` that are folders or zips (ARNs need ``tollway build``)."""
    return tuple(layer for layer in config.layers if not is_layer_arn(layer))


def layers_path(layers: Sequence[str]) -> list[str]:
    """The import folders of ``layers`` (in merge order) as Lambda's path has them once the
    layers are merged into ``/opt``: every site-packages first, then every ``python``; a
    later layer before an earlier one, as its files overwrite the earlier one's."""
    entries = [layer_entries(layer) for layer in reversed(layers)]
    return [e[0] for e in entries if len(e) == 2] + [e[-1] for e in entries]


def layer_entries(layer: str) -> list[str]:
    """A layer's import folders, as Lambda adds ``/opt/python`` and its site-packages."""
    root = Path(code_folder(layer))
    python = root / "python"
    if not python.is_dir():
        return [str(root)]
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    site = python / "lib" / version / "site-packages"
    return [str(site), str(python)] if site.is_dir() else [str(python)]


def execution_env(runtime: str) -> str:
    declared = runtime if runtime.startswith("python3") else ""
    return f"AWS_Lambda_{declared or f'python3.{sys.version_info.minor}'}"


def log_stream_name(version: str) -> str:
    return f"{time.strftime('%Y/%m/%d', time.gmtime())}/[{version}]{secrets.token_hex(16)}"


def worker_spec(
    name: str,
    version: str,
    config: FunctionConfig,
    build_dir: str | None,
    region: str,
    layers: Sequence[str] | None = None,
    debug: bool = False,
) -> WorkerSpec:
    """The environment, working folder and import path of one new instance.

    ``layers`` are the layer folders to use (default: ``config``'s local layers); ``debug``
    adds debugpy, at the very end of the path.
    """
    task_root = code_folder(config.code_path)
    path = [task_root]
    if build_dir:
        path.append(build_dir)
    path += layers_path(local_layers(config) if layers is None else layers)
    path += [extra for extra in (sdk.runtime_sdk_dir(), sdk.debugger_dir() if debug else None) if extra]
    env = {**DUMMY_CREDENTIALS, **config.environment}
    # The variables Lambda reserves win over the function's own Environment.
    env.update(
        {
            "AWS_LAMBDA_FUNCTION_NAME": name,
            "AWS_LAMBDA_FUNCTION_VERSION": version,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(config.memory_mb),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": log_stream_name(version),
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_REGION": region,
            "AWS_EXECUTION_ENV": execution_env(config.runtime),
            "_HANDLER": config.handler,
            "LAMBDA_TASK_ROOT": task_root,
            "LAMBDA_RUNTIME_DIR": os.path.dirname(BOOTSTRAP),
        }
    )
    env.setdefault("AWS_DEFAULT_REGION", region)
    env.setdefault("TZ", ":UTC")
    env.setdefault("LANG", "en_US.UTF-8")
    env.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin")
    # The worker runs with -I (PYTHONPATH ignored); this is for Python subprocesses it starts.
    env.setdefault("PYTHONPATH", os.pathsep.join(path))
    if debug:
        env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # frozen modules are off already
    return WorkerSpec(env=env, cwd=task_root, path=path)


def worker_argv(channel_fd: int, debug: bool = False) -> list[str]:
    # debugpy misses breakpoints in frozen standard modules; it asks for them to be off.
    flags = ["-X", "frozen_modules=off"] if debug else []
    return [sys.executable, "-I", "-S", *flags, BOOTSTRAP, str(channel_fd)]
