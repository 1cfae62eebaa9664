"""Standalone OpenAPI files: import one as an ``ImportResult``; tell an HTTP API document apart.

Deciding "REST or HTTP API" (AWS's docs are silent; this is our rule): only what a REST
API import cannot mean is taken as proof of an HTTP API: an integration with
``payloadFormatVersion`` or ``integrationSubtype``, or a ``$default`` path. Root
``x-amazon-apigateway-cors`` / ``-importexport-version`` are NOT proof: real REST
templates copy them from HTTP API samples and AWS's REST import ignores them, so we
import and add a warning.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tollway.errors import DefinitionError
from tollway.formats.openapi.common import OPERATION_KEYS, escape_token
from tollway.formats.openapi.importer import rest_api_from_openapi
from tollway.formats.openapi.integration import EXTENSION
from tollway.formats.yamlio import load_file
from tollway.model.api import StageSpec
from tollway.model.imported import ImportedApi, ImportResult

HTTP_API_ROOT_KEYS = ("x-amazon-apigateway-cors", "x-amazon-apigateway-importexport-version")
HTTP_API_INTEGRATION_KEYS = ("payloadFormatVersion", "integrationSubtype")


def http_api_marker(doc: Mapping[str, Any]) -> tuple[str, str] | None:
    """The first proof that ``doc`` describes an HTTP API (API Gateway v2), else None.

    Returns (JSON pointer, reason).
    """
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


def import_openapi_file(path: str, *, stage_name: str = "prod") -> ImportResult:
    """Import a standalone OpenAPI 3.0 / Swagger 2.0 file as one REST API with one stage.

    The API's key is ``openapi#<title>``. An HTTP API document is refused with a
    ``DefinitionError`` naming the value that gave it away.
    """
    doc = load_file(path)
    warnings: list[str] = []
    if isinstance(doc, Mapping):
        marker = http_api_marker(doc)
        if marker is not None:
            where, reason = marker
            problem = f"this is an HTTP API (API Gateway v2) document ({reason}); tollway serves REST APIs"
            raise DefinitionError(path, where, problem)
        warnings = [
            f"{path}: /{key}: {key} is an HTTP API extension; REST APIs ignore it"
            for key in HTTP_API_ROOT_KEYS
            if key in doc
        ]
    api = rest_api_from_openapi(doc, source=path)
    return ImportResult(
        source=path,
        apis=(ImportedApi(key=f"openapi#{api.name}", api=api, stages=(StageSpec(stage_name),)),),
        warnings=tuple(warnings),
    )
