"""Importing a CloudFormation or SAM template: the pieces put together in order.

0. a CDK template's assets are read from their local folders (``cdk``);
1. note the WebSocket APIs, served in a later release (``kinds``): one warning, and an
   error only when the template yields nothing else;
2. parameter values: overrides, then ``Default``; pseudo parameters fixed (``intrinsics``);
3. SAM templates are expanded to CloudFormation offline (``sam``);
4. every enabled ``AWS::ApiGateway::RestApi`` becomes an ImportedApi with its stages, and
   so does every HTTP ``AWS::ApiGatewayV2::Api`` (``apigatewayv2``);
   API-management resources are kept as data; Lambda functions become FunctionDefs
   (``functions``); nested stacks are followed when their child template is a local
   file; other resources are named once in a warning, and so are the settings tollway
   does not implement (``tollway.formats.unsupported``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tollway.errors import DefinitionError
from tollway.formats import unsupported
from tollway.formats.cloudformation import apigatewayv2, cdk, kinds, nested, refs, sam
from tollway.formats.cloudformation.apigateway import (
    REST_API,
    build_rest_api,
    group_children,
    props_of,
)
from tollway.formats.cloudformation.functions import read_functions
from tollway.formats.cloudformation.intrinsics import Resolver, pseudo_parameters
from tollway.formats.cloudformation.stages import read_stages
from tollway.model import ids
from tollway.model.api import StageSpec
from tollway.model.imported import ImportedApi, ImportResult, ManagementResource

_CHILD_KINDS = {
    f"AWS::ApiGateway::{kind}"
    for kind in (
        "Resource",
        "Method",
        "Model",
        "RequestValidator",
        "GatewayResponse",
        "Authorizer",
        "Deployment",
        "Stage",
    )
}
# Resources that are part of what tollway serves, or that do not change what it serves.
# AWS::ApiGatewayV2::* belongs to the HTTP APIs (``apigatewayv2``) and the WebSocket APIs
# ``kinds`` names in its own warning.
_SILENT_PREFIXES = ("AWS::IAM::", "AWS::Logs::", "AWS::CloudFormation::", "AWS::CDK::", "AWS::ApiGatewayV2::")
_SILENT_TYPES = {
    "AWS::Lambda::Function",
    "AWS::Lambda::Permission",
    "AWS::Lambda::Version",
    "AWS::Lambda::Alias",
    "AWS::Lambda::LayerVersion",
}


def import_template(
    doc: dict[str, Any],
    path: str,
    *,
    stage_name: str | None = None,
    parameter_overrides: Mapping[str, str] | None = None,
    import_file: nested.ImportFile,
) -> ImportResult:
    """Import every REST and HTTP API a CloudFormation/SAM template declares.

    APIs that declare no stage get ``stage_name`` as their one stage when it is given,
    else none (the caller then picks its default stage). ``import_file`` imports the
    child template of a nested stack (``tollway.formats.loader.import_file``).
    """
    source = str(path)
    stack_key = str(Path(path).resolve())
    warnings: list[str] = []
    doc = cdk.use_local_assets(doc, source, warnings)
    api_kinds = kinds.scan(doc)
    kind_warning = api_kinds.warning(source)
    if kind_warning is not None:
        warnings.append(kind_warning)
    parameters, missing = read_parameters(doc, source, parameter_overrides or {})
    if missing:
        warnings.append(
            f"{source}: parameters with no Default and no override are empty: "
            f"{', '.join(missing)} (set them with parameter overrides)"
        )
    parameters.update(pseudo_parameters(Path(stack_key).parent.name))
    sam_doc = doc if sam.is_sam(doc) else None
    if sam_doc is not None:
        doc = sam.transform(sam.prepare(doc, source, warnings), source, parameters)
    resolver = _resolver(doc, source, stack_key, parameters)
    resolver.placeholders = bool(missing)
    apis = _import_apis(resolver, stage_name)
    management = _management(resolver)
    functions = read_functions(resolver, sam_doc)
    result = ImportResult(source=source, apis=tuple(apis), management=tuple(management), functions=functions)
    usable = api_kinds.has_rest or api_kinds.has_http or bool(apis) or bool(functions)
    result = nested.follow_nested_stacks(resolver, result, has_rest=usable, import_file=import_file)
    if api_kinds.others and not (result.apis or result.functions or result.management):
        raise api_kinds.refusal(source)
    if not result.apis and kind_warning is None:
        warnings.append(f"{source}: declares no REST or HTTP API")
    unemulated = _unemulated_warning(resolver)
    ignored = unsupported.warning(source, unsupported.template_items(resolver) + unsupported.api_items(apis))
    notes = [w for w in (unemulated, ignored) if w is not None]
    return ImportResult(
        source=source,
        apis=result.apis,
        management=result.management,
        functions=result.functions,
        warnings=tuple(warnings + resolver.warnings + notes) + result.warnings,
    )


def _resolver(doc: dict[str, Any], source: str, stack_key: str, params: dict[str, Any]) -> Resolver:
    resources = doc.get("Resources")
    if not isinstance(resources, dict):
        raise DefinitionError(source, "/Resources", "a template needs a Resources mapping")
    mappings = doc.get("Mappings")
    conditions = doc.get("Conditions")
    return Resolver(
        source=source,
        stack_key=stack_key,
        parameters=params,
        resources=resources,
        mappings=mappings if isinstance(mappings, dict) else {},
        condition_defs=conditions if isinstance(conditions, dict) else {},
    )


def read_parameters(
    doc: dict[str, Any], source: str, overrides: Mapping[str, str]
) -> tuple[dict[str, Any], list[str]]:
    """Parameter values as ``Ref`` sees them (overrides first, then ``Default``), and the
    names of parameters that had neither and got an empty value (CloudFormation would
    ask for one)."""
    declared = doc.get("Parameters") or {}
    if not isinstance(declared, dict):
        raise DefinitionError(source, "/Parameters", "Parameters must be a mapping")
    unknown = sorted(set(overrides) - set(declared))
    if unknown:
        raise DefinitionError(
            source,
            "/Parameters",
            f"parameter override {unknown[0]!r} names no parameter of this template "
            f"(it declares: {', '.join(sorted(declared)) or 'none'})",
        )
    values: dict[str, Any] = {}
    missing: list[str] = []
    for name, spec in declared.items():
        spec = spec if isinstance(spec, dict) else {}
        if name in overrides:
            raw: Any = overrides[name]
        elif "Default" in spec:
            raw = spec["Default"]
        else:
            raw = ""
            missing.append(name)
        values[name] = _parameter_value(raw, str(spec.get("Type", "String")))
    return values, missing


def _parameter_value(raw: Any, kind: str) -> Any:
    if kind == "CommaDelimitedList" or kind.startswith("List<"):
        if isinstance(raw, list):
            return [str(item) for item in raw]
        return [item.strip() for item in str(raw).split(",")]
    if isinstance(raw, bool):
        return "true" if raw else "false"
    return str(raw)  # Ref of a Number parameter is a string too


def _import_apis(r: Resolver, stage_name: str | None) -> list[ImportedApi]:
    api_lids = [
        lid
        for lid, res in r.resources.items()
        if isinstance(res, dict) and res.get("Type") == REST_API and r.resource_enabled(lid)
    ]
    api_ids = {ids.api_id(refs.api_key(r.stack_key, lid)): lid for lid in api_lids}
    parts = group_children(r, api_ids, _CHILD_KINDS)
    apis = []
    for lid in api_lids:
        stages = read_stages(parts[lid])
        if not stages and stage_name:
            stages = (StageSpec(name=stage_name),)
        api = build_rest_api(r, lid, parts[lid])
        apis.append(ImportedApi(key=refs.api_key(r.stack_key, lid), api=api, stages=stages))
    return apis + apigatewayv2.import_http_apis(r, stage_name)


def _management(r: Resolver) -> list[ManagementResource]:
    found = []
    for lid, res in r.resources.items():
        kind = res.get("Type") if isinstance(res, dict) else None
        if not isinstance(kind, str) or not kind.startswith("AWS::ApiGateway::"):
            continue
        if kind in _CHILD_KINDS or kind == REST_API or not r.resource_enabled(lid):
            continue
        found.append(ManagementResource(kind=kind, logical_id=lid, properties=dict(props_of(r, lid).values)))
    return found


def _unemulated_warning(r: Resolver) -> str | None:
    by_type: dict[str, list[str]] = {}
    for lid, res in r.resources.items():
        kind = res.get("Type") if isinstance(res, dict) else None
        if not isinstance(kind, str) or kind.startswith("AWS::ApiGateway::"):
            continue
        if kind in _SILENT_TYPES or kind.startswith(_SILENT_PREFIXES):
            continue
        if r.resource_enabled(lid):
            by_type.setdefault(kind, []).append(lid)
    if not by_type:
        return None
    listed = "; ".join(f"{kind} ({', '.join(lids)})" for kind, lids in sorted(by_type.items()))
    return f"{r.source}: resources tollway does not emulate were ignored: {listed}"
