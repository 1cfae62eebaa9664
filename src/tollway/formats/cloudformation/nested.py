"""Nested stacks (``AWS::CloudFormation::Stack``; SAM applications become these).

A child template that is a local file is imported with the parameters the parent passes,
and its APIs join the parent's result. A child that is not available locally (an S3/HTTPS
URL, a Serverless Application Repository app, a missing file) cannot be read offline:
when the parent declares REST APIs of its own they are imported and the absent child is
named in a warning (its outputs become placeholders); otherwise the file is refused, as
the APIs would be in the child.

A child is imported the way any definition file is: ``tollway.formats.loader.import_file``,
which imports this package, passes itself in as ``import_file``.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar
from pathlib import Path
from typing import Protocol

from tollway.errors import DefinitionError
from tollway.formats.cloudformation.apigateway import props_of
from tollway.formats.cloudformation.intrinsics import Resolver
from tollway.model.imported import ImportResult

_MAX_DEPTH = 8
# Nesting depth of the import in progress (guards against a template including itself).
_depth: ContextVar[int] = ContextVar("nested_stack_depth", default=0)


class ImportFile(Protocol):
    """How a child template is imported: ``tollway.formats.loader.import_file``."""

    def __call__(
        self, path: str, *, parameter_overrides: Mapping[str, str] | None = None
    ) -> ImportResult: ...


def follow_nested_stacks(
    r: Resolver, result: ImportResult, *, has_rest: bool, import_file: ImportFile
) -> ImportResult:
    """``result`` plus the APIs and functions of every local child template."""
    apis, management, warnings = list(result.apis), list(result.management), list(result.warnings)
    functions = list(result.functions)
    for logical_id, resource in r.resources.items():
        if not isinstance(resource, dict) or resource.get("Type") != "AWS::CloudFormation::Stack":
            continue
        if not r.resource_enabled(logical_id):
            continue
        props = props_of(r, logical_id)
        url = props.text("TemplateURL") or ""
        child = _local_child(r.source, url)
        if child is None:
            problem = (
                f"nested stack {logical_id}: child template {url or '(none)'} is not available "
                "locally, so the APIs it may declare cannot be imported"
            )
            if not has_rest:
                raise DefinitionError(r.source, f"/Resources/{logical_id}", problem)
            warnings.append(f"{r.source}: /Resources/{logical_id}: {problem}")
            continue
        child_result = _import_child(r, logical_id, child, props.values.get("Parameters"), import_file)
        apis += child_result.apis
        management += child_result.management
        functions += child_result.functions
        warnings += child_result.warnings
    return ImportResult(
        source=result.source,
        apis=tuple(apis),
        management=tuple(management),
        functions=tuple(functions),
        warnings=tuple(warnings),
    )


def _local_child(source: str, url: str) -> Path | None:
    if not url or "://" in url or url.startswith("serverlessrepo:"):
        return None
    path = Path(source).parent / url
    return path if path.is_file() else None


def _import_child(
    r: Resolver, logical_id: str, child: Path, params: object, import_file: ImportFile
) -> ImportResult:
    if _depth.get() >= _MAX_DEPTH:
        raise DefinitionError(r.source, f"/Resources/{logical_id}", "nested stacks are nested too deeply")
    overrides = {}
    if isinstance(params, dict):
        for name, value in params.items():
            overrides[str(name)] = ",".join(map(str, value)) if isinstance(value, list) else str(value)
    token = _depth.set(_depth.get() + 1)
    try:
        return import_file(str(child), parameter_overrides=overrides)
    finally:
        _depth.reset(token)
