"""Lambda functions a template declares, read after the SAM transform.

Every ``AWS::Serverless::Function`` is an ``AWS::Lambda::Function`` by then, with
``Globals`` merged by the translator itself, so one reader serves SAM and CloudFormation.
The SAM code locations survive the transform as ``s3://tollway-local/local/<path>``
(``sam.prepare``); ``AutoPublishAlias`` is read from the original SAM resource, and the
``AWS::Lambda::Version`` / ``Alias`` it expands to are read like hand-written ones.

Decisions where AWS has nothing to say offline:

- every function is kept, whatever its runtime: its routes exist as on AWS. tollway runs
  the Python ones; invoking any other (Node.js, Java, ``provided``, a container image)
  fails as a function whose runtime cannot start (``tollway.functions.runtime.runtimes``), and they
  are named in one warning;
- inline code (``ZipFile`` / ``InlineCode``) is written, as CloudFormation does, to a file
  ``index.py``, in a folder named by the code's hash under ``inline_root()``;
- code that is missing, or in Amazon S3, keeps the function with a warning: invoking it
  then fails as Lambda does when the handler's module cannot be imported;
- a function whose properties cannot be evaluated is skipped with a warning, so one bad
  function never stops the APIs of the file from importing.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from tollway.errors import DefinitionError
from tollway.formats.cloudformation import refs
from tollway.formats.cloudformation.functions_props import (
    code_of,
    environment_of,
    int_property,
    prop,
    weights_of,
)
from tollway.formats.cloudformation.intrinsics import Resolver
from tollway.formats.cloudformation.sam import LOCAL_KEY_PREFIX, PLACEHOLDER_BUCKET
from tollway.functions.packaging.powertools import is_layer_arn, requirement
from tollway.functions.packaging.snapshots import snapshot_code
from tollway.functions.runtime.runtimes import IMAGE, describe, runs_here
from tollway.model.functions import (
    DEFAULT_MEMORY_MB,
    DEFAULT_TIMEOUT_S,
    LATEST,
    FunctionAlias,
    FunctionConfig,
    FunctionDef,
)

FUNCTION = "AWS::Lambda::Function"
VERSION = "AWS::Lambda::Version"
ALIAS = "AWS::Lambda::Alias"
LAYER = "AWS::Lambda::LayerVersion"
PYTHON_ONLY = "tollway runs Python functions only"
INSTALLED = f"{sys.version_info.major}.{sys.version_info.minor}"


def inline_root() -> Path:
    """Where inline function code is written: ``$XDG_CACHE_HOME/tollway/inline`` (default
    ``~/.cache/tollway/inline``)."""
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "tollway" / "inline"


@dataclass(slots=True)
class _Reader:
    r: Resolver
    auto_aliases: dict[str, str]
    found: dict[str, FunctionDef] = field(default_factory=dict)
    not_run: dict[str, str] = field(default_factory=dict)
    """Function name -> runtime, for functions tollway imports and does not run."""
    other_pythons: dict[str, list[str]] = field(default_factory=dict)
    remote_layers: dict[str, list[str]] = field(default_factory=dict)
    """Layer ARN not in the template -> the functions that use it."""
    s3_layers: set[str] = field(default_factory=set)
    """ARNs of this template's layers whose content is in Amazon S3 (named once)."""
    layer_builds: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Local layer path -> (Metadata BuildMethod, logical id), for ``tollway build``."""

    @property
    def folder(self) -> Path:
        return Path(self.r.source).resolve().parent

    def warn(self, message: str) -> None:
        self.r.warnings.append(f"{self.r.source}: {message}")


def read_functions(r: Resolver, sam_doc: dict[str, Any] | None = None) -> tuple[FunctionDef, ...]:
    """The Python functions of the template ``r`` resolves, with their versions and aliases.

    ``sam_doc`` is the template as written when it went through the SAM transform (for
    ``AutoPublishAlias``). Warnings are added to ``r.warnings``.
    """
    reader = _Reader(r, _auto_publish_aliases(r, sam_doc))
    layers = _layer_paths(reader, sam_doc)
    for logical_id in _of_type(r, FUNCTION):
        _guarded(reader, logical_id, partial(_read_function, reader, logical_id, layers))
    _read_versions(reader)
    for logical_id in _of_type(r, ALIAS):
        _guarded(reader, logical_id, partial(_read_alias, reader, logical_id))
    _summary_warnings(reader)
    return tuple(reader.found.values())


def _of_type(r: Resolver, kind: str) -> list[str]:
    return [
        lid
        for lid, res in r.resources.items()
        if isinstance(res, dict) and res.get("Type") == kind and r.resource_enabled(lid)
    ]


def _guarded(reader: _Reader, logical_id: str, read: Callable[[], None]) -> None:
    try:
        read()
    except DefinitionError as exc:
        reader.warn(f"/Resources/{logical_id}: skipped: {exc.problem}")


def _read_function(reader: _Reader, logical_id: str, layers: dict[str, str]) -> None:
    r = reader.r
    name = refs.function_name(r, logical_id)
    declared = prop(r, logical_id, "FunctionName")
    if isinstance(declared, str) and declared != name:
        reader.warn(f"{logical_id}: FunctionName {declared!r} is not a valid function name; logical id used")
    runtime = IMAGE if prop(r, logical_id, "PackageType") == "Image" else prop(r, logical_id, "Runtime")
    if not isinstance(runtime, str) or not runtime:
        reader.warn(f"function {name} declares no Runtime; skipped")
        return
    handler = _text(prop(r, logical_id, "Handler")) or ""
    if runs_here(runtime) and not handler:
        reader.warn(f"function {name} declares no Handler; skipped")
        return
    if name in reader.found:
        reader.warn(f"function name {name} is declared twice; {logical_id} was skipped")
        return
    if not runs_here(runtime):
        reader.not_run[name] = runtime
    elif runtime != f"python{INSTALLED}":
        reader.other_pythons.setdefault(runtime, []).append(name)
    reserved = prop(r, logical_id, "ReservedConcurrentExecutions")
    reader.found[name] = FunctionDef(
        name=name,
        logical_id=logical_id,
        config=_config(reader, logical_id, name, handler, runtime, layers),
        reserved_concurrency=(
            None
            if reserved is None
            else int_property(r, logical_id, "ReservedConcurrentExecutions", 0, (0, 10**6), reader.warn)
        ),
        auto_publish_alias=reader.auto_aliases.get(logical_id),
    )


def _config(
    reader: _Reader, logical_id: str, name: str, handler: str, runtime: str, layers: dict[str, str]
) -> FunctionConfig:
    r = reader.r
    # A function tollway does not run has no use for warnings about its code.
    warn = reader.warn if runs_here(runtime) else _ignore
    return FunctionConfig(
        handler=handler,
        runtime=runtime,
        code_path=_code_path(reader, logical_id, name, warn),
        environment=environment_of(r, logical_id, reader.warn),
        timeout_s=int_property(r, logical_id, "Timeout", DEFAULT_TIMEOUT_S, (1, 900), reader.warn),
        memory_mb=int_property(r, logical_id, "MemorySize", DEFAULT_MEMORY_MB, (128, 10240), reader.warn),
        layers=(function_layers := _function_layers(reader, logical_id, name, layers, warn)),
        layer_builds={p: reader.layer_builds[p] for p in function_layers if p in reader.layer_builds},
        description=_text(prop(r, logical_id, "Description")),
    )


def _code_path(reader: _Reader, logical_id: str, name: str, warn: Callable[[str], None]) -> str:
    kind, value = code_of(prop(reader.r, logical_id, "Code"))
    if kind == "inline":
        return _write_inline(reader, name, value)
    if kind == "s3" and value.startswith(f"s3://{PLACEHOLDER_BUCKET}/"):
        key = value[len(f"s3://{PLACEHOLDER_BUCKET}/") :]
        if not key.startswith(LOCAL_KEY_PREFIX):
            warn(f"function {name} declares no CodeUri; the template's folder is used")
            return str(reader.folder)
        kind, value = "path", unquote(key[len(LOCAL_KEY_PREFIX) :])
    if kind == "s3":
        warn(f"function {name}: code {value} is in Amazon S3 and cannot be read offline")
        return str(reader.folder / value.rsplit("/", 1)[-1])
    if kind != "path":
        warn(f"function {name} declares no code; the template's folder is used")
        return str(reader.folder)
    path = (reader.folder / value).resolve()
    if not path.exists():
        warn(f"function {name}: code {value} does not exist (looked for {path})")
    return str(path)


def _ignore(message: str) -> None:
    del message


def _write_inline(reader: _Reader, name: str, code: str) -> str:
    folder = inline_root() / hashlib.sha256(code.encode()).hexdigest()[:32]
    target = folder / "index.py"
    try:
        if not target.is_file():
            folder.mkdir(parents=True, exist_ok=True)
            temporary = folder / f".index.py.{os.getpid()}"
            temporary.write_text(code, encoding="utf-8")
            temporary.replace(target)  # atomic: a reader never sees half a file
    except OSError as exc:
        reader.warn(f"function {name}: cannot write its inline code to {target}: {exc.strerror}")
    return str(folder)


def _layer_paths(reader: _Reader, sam_doc: dict[str, Any] | None) -> dict[str, str]:
    """Layer ARN (as ``Ref`` gives it) -> absolute path of its local content. Layers with a
    ``Metadata: BuildMethod`` go to ``reader.layer_builds``; content in S3 is named once."""
    paths: dict[str, str] = {}
    sam_builds = _sam_layer_builds(sam_doc)
    for logical_id in _of_type(reader.r, LAYER):
        kind, value = code_of(prop(reader.r, logical_id, "Content"))
        prefix = f"s3://{PLACEHOLDER_BUCKET}/{LOCAL_KEY_PREFIX}"
        if kind == "s3" and value.startswith(prefix):
            kind, value = "path", unquote(value[len(prefix) :])
        arn = refs.layer_arn(reader.r, logical_id)
        if kind == "s3":
            reader.s3_layers.add(arn)
            layer_name = arn.split(":")[-2]
            reader.warn(
                f"layer {layer_name}: its content {value} is in Amazon S3, which tollway cannot "
                "read offline; functions run without it"
            )
        if kind != "path":
            continue
        path = (reader.folder / value).resolve()
        if not path.exists():
            reader.warn(f"layer {logical_id}: content {value} does not exist (looked for {path})")
        paths[arn] = str(path)
        build = sam_builds.get(arn.split(":")[-2]) or _layer_build(reader.r.resources[logical_id], logical_id)
        if build is not None:
            reader.layer_builds[str(path)] = build
    return paths


def _layer_build(resource: Any, logical_id: str) -> tuple[str, str] | None:
    """``(BuildMethod, logical id)`` of a layer resource that declares one."""
    metadata = resource.get("Metadata") if isinstance(resource, dict) else None
    method = metadata.get("BuildMethod") if isinstance(metadata, dict) else None
    return (method, logical_id) if isinstance(method, str) and method else None


def _sam_layer_builds(sam_doc: dict[str, Any] | None) -> dict[str, tuple[str, str]]:
    """Layer name -> ``_layer_build`` of the template's SAM layers (the transform drops
    their Metadata; it names each ``AWS::Lambda::LayerVersion`` by ``LayerName`` or id)."""
    resources = sam_doc.get("Resources") if isinstance(sam_doc, dict) else None
    found: dict[str, tuple[str, str]] = {}
    for logical_id, resource in (resources if isinstance(resources, dict) else {}).items():
        build = _layer_build(resource, logical_id)
        if build is None or resource.get("Type") != "AWS::Serverless::LayerVersion":
            continue
        props = resource.get("Properties")
        name = props.get("LayerName") if isinstance(props, dict) else None
        found[name if isinstance(name, str) and name else logical_id] = build
    return found


def _function_layers(
    reader: _Reader, logical_id: str, name: str, layers: dict[str, str], warn: Callable[[str], None]
) -> tuple[str, ...]:
    declared = prop(reader.r, logical_id, "Layers")
    found = []
    for layer in declared if isinstance(declared, list) else []:
        if isinstance(layer, str) and layer in layers:
            found.append(layers[layer])
        elif isinstance(layer, str) and layer in reader.s3_layers:
            continue  # named once, with its S3 location
        elif isinstance(layer, str) and is_layer_arn(layer):
            found.append(layer)  # `tollway build` installs the public ones it knows
            if warn is not _ignore:
                reader.remote_layers.setdefault(layer, []).append(name)
        else:
            warn(f"function {name}: layer {layer} is not a local layer of this template; skipped")
    return tuple(found)


def _read_versions(reader: _Reader) -> None:
    r = reader.r
    for logical_id, (function, number) in refs.version_numbers(r).items():
        fn = reader.found.get(function)
        if fn is None:
            reader.warn(f"version {logical_id} is of function {function!r}, not one of this template")
            continue
        description = _text(prop(r, logical_id, "Description"))
        # A version is frozen code as well as config: later edits of the folder must not reach it.
        code = snapshot_code(fn.config.code_path) if runs_here(fn.config.runtime) else fn.config.code_path
        frozen = replace(fn.config, description=description, code_path=code)
        versions = {**fn.versions, number: frozen}
        reader.found[function] = replace(fn, versions=versions)


def _read_alias(reader: _Reader, logical_id: str) -> None:
    r = reader.r
    function = refs.target_function(prop(r, logical_id, "FunctionName")) or ""
    fn = reader.found.get(function)
    if fn is None:
        reader.warn(f"alias {logical_id} is of function {function!r}, not one of this template")
        return
    name = _text(prop(r, logical_id, "Name")) or logical_id
    version = str(prop(r, logical_id, "FunctionVersion") or LATEST)
    weights = weights_of(prop(r, logical_id, "RoutingConfig"))
    if weights is None:
        reader.warn(f"alias {name} of function {function}: its RoutingConfig is invalid; skipped")
        return
    missing = [v for v in (version, *weights) if v != LATEST and v not in fn.versions]
    if missing:
        reader.warn(f"alias {name} of function {function}: version {missing[0]} does not exist; skipped")
        return
    alias = FunctionAlias(name=name, version=version, additional_weights=weights)
    reader.found[function] = replace(fn, aliases={**fn.aliases, name: alias})


def _auto_publish_aliases(r: Resolver, sam_doc: dict[str, Any] | None) -> dict[str, str]:
    if sam_doc is None:
        return {}
    globals_ = sam_doc.get("Globals")
    function_globals = globals_.get("Function") if isinstance(globals_, dict) else None
    default = function_globals.get("AutoPublishAlias") if isinstance(function_globals, dict) else None
    found: dict[str, str] = {}
    resources = sam_doc.get("Resources")
    for logical_id, resource in (resources if isinstance(resources, dict) else {}).items():
        if not isinstance(resource, dict) or resource.get("Type") != "AWS::Serverless::Function":
            continue
        props = resource.get("Properties")
        value = props.get("AutoPublishAlias", default) if isinstance(props, dict) else default
        try:
            alias = r.resolve(value, f"/Resources/{logical_id}/Properties/AutoPublishAlias")
        except DefinitionError:
            continue
        if isinstance(alias, str) and alias:
            found[logical_id] = alias
    return found


def _summary_warnings(reader: _Reader) -> None:
    if reader.not_run:
        listed = ", ".join(f"{name} ({describe(runtime)})" for name, runtime in reader.not_run.items())
        reader.warn(
            f"{PYTHON_ONLY}; these fail when invoked, as a function whose runtime cannot start "
            f"(502 behind a REST API's Lambda proxy integration, 500 behind an HTTP API's): {listed}"
        )
    for runtime, names in reader.other_pythons.items():
        reader.warn(f"{', '.join(names)}: {runtime} runs on the installed Python {INSTALLED}")
    _remote_layer_warnings(reader)


def _remote_layer_warnings(reader: _Reader) -> None:
    """One warning for the layers nobody can fetch offline, one for those `tollway build`
    installs from PyPI (AWS Lambda Powertools for Python)."""
    unknown = {arn: names for arn, names in reader.remote_layers.items() if requirement(arn) is None}
    if unknown:
        listed = "; ".join(f"{arn} (used by {', '.join(names)})" for arn, names in unknown.items())
        reader.warn(
            "layers that are not in this template and that tollway does not know (only AWS "
            f"has their code); functions run without them: {listed}"
        )
    known = [f"{arn} -> {requirement(arn)}" for arn in reader.remote_layers if arn not in unknown]
    if known:
        reader.warn(f"public layers that `tollway build` installs from PyPI: {'; '.join(known)}")


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
