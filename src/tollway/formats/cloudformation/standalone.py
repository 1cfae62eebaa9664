"""A standalone OpenAPI document that still holds CloudFormation intrinsics.

Such a file is written to be pulled into a template (``AWS::Include`` or a SAM
``DefinitionUri``). Its ``Fn::Sub``/``Fn::GetAtt`` values are resolved against the template
next to it that names the file, so ``${MyFunction.Arn}`` becomes the same Lambda ARN it
gets when the template is imported; with no such template every reference keeps its name
as a placeholder. Either way the user is told to import the template for the full picture.
An HTTP API document (``http_api_marker``) becomes an HTTP API, a REST one a REST API.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tollway.formats import yamlio
from tollway.formats.cloudformation.apigateway import drop_sam_none_security, with_default_models
from tollway.formats.cloudformation.intrinsics import Resolver, pseudo_parameters
from tollway.formats.cloudformation.template import read_parameters
from tollway.model.api import StageSpec
from tollway.model.imported import ImportedApi, ImportResult

_TEMPLATE_SUFFIXES = (".yaml", ".yml", ".json", ".template")


def has_intrinsics(value: Any) -> bool:
    """True when ``value`` holds a CloudFormation intrinsic function anywhere."""
    if isinstance(value, dict):
        if len(value) == 1:
            (key,) = value
            if key == "Ref" or str(key).startswith("Fn::"):
                return True
        return any(has_intrinsics(item) for item in value.values())
    if isinstance(value, list):
        return any(has_intrinsics(item) for item in value)
    return False


def import_openapi_with_intrinsics(doc: dict[str, Any], path: str, *, stage_name: str | None) -> ImportResult:
    """Import ``doc`` (read from ``path``) as one REST or HTTP API, intrinsics resolved.

    A REST API's stage is ``stage_name`` (default ``prod``); an HTTP API's, ``stage_name``
    or ``$default``.
    """
    from tollway.formats.openapi import http_api_marker, rest_api_from_openapi
    from tollway.formats.openapi.files import import_http_document

    including = find_including_template(Path(path))
    resolver = _resolver(path, including)
    resolved = resolver.resolve(doc, "")
    if including is not None:
        note = (
            f"{path}: CloudFormation intrinsics were resolved against {including}, which "
            "includes this document; import that template to get its stages and settings"
        )
    else:
        note = (
            f"{path}: the document holds CloudFormation intrinsics and no template next to it "
            "includes it; references keep their names as placeholder values"
        )
    notes = (note, *_dedupe(resolver.warnings, including is None))
    if http_api_marker(doc) is not None:
        return import_http_document(resolved, path, stage_name=stage_name, notes=notes)
    api = rest_api_from_openapi(with_default_models(drop_sam_none_security(resolved)), source=path)
    return ImportResult(
        source=path,
        apis=(ImportedApi(key=f"openapi#{api.name}", api=api, stages=(StageSpec(stage_name or "prod"),)),),
        warnings=notes,
    )


def _dedupe(warnings: list[str], placeholder_mode: bool) -> list[str]:
    # Without a template every reference is "undefined"; the note above already says so.
    return [] if placeholder_mode else list(dict.fromkeys(warnings))


def _resolver(path: str, including: Path | None) -> Resolver:
    template: dict[str, Any] = {}
    if including is not None:
        loaded = yamlio.load_file(including)
        template = loaded if isinstance(loaded, dict) else {}
    stack_key = str((including or Path(path)).resolve())
    parameters, missing = read_parameters(template, str(including or path), {})
    parameters.update(pseudo_parameters(Path(stack_key).parent.name))
    resources = template.get("Resources")
    mappings = template.get("Mappings")
    conditions = template.get("Conditions")
    return Resolver(
        source=path,
        stack_key=stack_key,
        parameters=parameters,
        resources=resources if isinstance(resources, dict) else {},
        mappings=mappings if isinstance(mappings, dict) else {},
        condition_defs=conditions if isinstance(conditions, dict) else {},
        placeholders=bool(missing) or including is None,
    )


def find_including_template(doc_path: Path) -> Path | None:
    """A template in the document's folder or the one above that names the document."""
    resolved = doc_path.resolve()
    for folder in (resolved.parent, resolved.parent.parent):
        for candidate in sorted(folder.iterdir()):
            if candidate == resolved or candidate.suffix not in _TEMPLATE_SUFFIXES:
                continue
            if not candidate.is_file():
                continue
            try:
                text = candidate.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            if doc_path.name in text and "Resources" in text:
                return candidate
    return None
