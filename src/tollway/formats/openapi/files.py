"""Standalone OpenAPI files: import one as an ``ImportResult``, as a REST or an HTTP API.

Deciding "REST or HTTP API" (AWS's docs are silent; this is our rule): only what a REST
API import cannot mean is taken as proof of an HTTP API: an integration with
``payloadFormatVersion`` or ``integrationSubtype``, a ``$default`` path,
``components.x-amazon-apigateway-integrations`` or a ``jwt`` authorizer. Root
``x-amazon-apigateway-cors`` / ``-importexport-version`` are NOT proof: real REST
templates copy them from HTTP API samples and AWS's REST import ignores them, so we
import and add a warning.

An HTTP API document is imported as an HTTP API (``http_import``) with the key
``openapi#<title>`` and one stage: the one asked for, else ``$default`` (what an HTTP API
import with auto-deploy serves).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tollway.formats.openapi.common import OPERATION_KEYS, escape_token
from tollway.formats.openapi.http_import import http_api_from_openapi
from tollway.formats.openapi.importer import rest_api_from_openapi
from tollway.formats.openapi.integration import EXTENSION
from tollway.formats.yamlio import load_file
from tollway.model.api import RestApi, StageSpec
from tollway.model.http_api import DEFAULT_STAGE
from tollway.model.imported import ImportedApi, ImportResult

HTTP_API_ROOT_KEYS = ("x-amazon-apigateway-cors", "x-amazon-apigateway-importexport-version")
HTTP_API_INTEGRATION_KEYS = ("payloadFormatVersion", "integrationSubtype")
HTTP_API_INTEGRATIONS = "x-amazon-apigateway-integrations"
AUTHORIZER = "x-amazon-apigateway-authorizer"


def http_api_marker(doc: Mapping[str, Any]) -> tuple[str, str] | None:
    """The first proof that ``doc`` describes an HTTP API (API Gateway v2), else None.

    Returns (JSON pointer, reason).
    """
    components = doc.get("components")
    if isinstance(components, Mapping) and HTTP_API_INTEGRATIONS in components:
        return f"/components/{HTTP_API_INTEGRATIONS}", f"{HTTP_API_INTEGRATIONS} exist only in HTTP APIs"
    schemes = components.get("securitySchemes") if isinstance(components, Mapping) else None
    for name, scheme in (schemes if isinstance(schemes, Mapping) else {}).items():
        authorizer = scheme.get(AUTHORIZER) if isinstance(scheme, Mapping) else None
        if isinstance(authorizer, Mapping) and str(authorizer.get("type", "")).lower() == "jwt":
            where = f"/components/securitySchemes/{escape_token(str(name))}/{AUTHORIZER}/type"
            return where, "JWT authorizers exist only in HTTP APIs"
    paths = doc.get("paths")
    if not isinstance(paths, Mapping):
        return None
    for path, item in paths.items():
        where = f"/paths/{escape_token(str(path))}"
        if str(path) == "$default":
            return where, "the $default route exists only in HTTP APIs"
        if not isinstance(item, Mapping):
            continue
        for op_key in OPERATION_KEYS:
            op = item.get(op_key)
            integration = op.get(EXTENSION) if isinstance(op, Mapping) else None
            if not isinstance(integration, Mapping):
                continue
            for key in HTTP_API_INTEGRATION_KEYS:
                if key in integration:
                    return f"{where}/{op_key}/{EXTENSION}/{key}", f"{key} belongs to HTTP API integrations"
    return None


def import_openapi_file(path: str, *, stage_name: str | None = None) -> ImportResult:
    """Import a standalone OpenAPI 3.0 / Swagger 2.0 file as one API with one stage.

    The API's key is ``openapi#<title>``. A REST API gets the stage ``stage_name`` (default
    ``prod``); an HTTP API document (``http_api_marker``) becomes an HTTP API whose stage
    is ``stage_name`` when it is given, else ``$default``.
    """
    doc = load_file(path)
    warnings: list[str] = []
    if isinstance(doc, Mapping):
        if http_api_marker(doc) is not None:
            return import_http_document(doc, path, stage_name=stage_name)
        warnings = [
            f"{path}: /{key}: {key} is an HTTP API extension; REST APIs ignore it"
            for key in HTTP_API_ROOT_KEYS
            if key in doc
        ]
    api = rest_api_from_openapi(doc, source=path)
    return ImportResult(
        source=path,
        apis=(ImportedApi(key=f"openapi#{api.name}", api=api, stages=(StageSpec(stage_name or "prod"),)),),
        warnings=tuple(warnings),
    )


def import_http_document(
    doc: Mapping[str, Any], path: str, *, stage_name: str | None, notes: tuple[str, ...] = ()
) -> ImportResult:
    """An HTTP API document (intrinsics already resolved) as an ``ImportResult``."""
    warnings: list[str] = list(notes)
    http_api = http_api_from_openapi(doc, source=path, warnings=warnings)
    shell = RestApi(id="", name=http_api.name, description=http_api.description, version=http_api.version)
    imported = ImportedApi(
        key=f"openapi#{http_api.name}",
        api=shell,
        http_api=http_api,
        stages=(StageSpec(stage_name or DEFAULT_STAGE),),
    )
    return ImportResult(source=path, apis=(imported,), warnings=tuple(warnings))
