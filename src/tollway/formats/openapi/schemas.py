"""Models (JSON Schema draft-04) and the references between them.

Stored form (decided here, used by every importer): a model's schema refers to another
model as ``{"$ref": "#/definitions/Other"}``. That is the Swagger 2 spelling and draft-04's
own ``definitions`` keyword, so :func:`bundled_schema` can hand a request validator one
self-contained document (``Draft4Validator(bundled_schema(api.models, name))``) that
resolves every reference without a registry and without knowing the API id. AWS itself
stores ``https://apigateway.amazonaws.com/restapis/{id}/models/Other``; that form (and
OpenAPI 3's ``#/components/schemas/Other``) is accepted on input and rewritten.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from tollway.formats.openapi.common import Where
from tollway.model.api import Model

STORED_PREFIX = "#/definitions/"
OAS3_PREFIX = "#/components/schemas/"
_AWS_MODEL_URL = re.compile(r"^https?://apigateway\.amazonaws\.com/restapis/[^/]*/models/([^/#]+)$")
_MODEL_NAME = re.compile(r"^[A-Za-z0-9]+$")


def model_ref_name(ref: str) -> str | None:
    """The model a ``$ref`` names, in any accepted spelling, else None."""
    for prefix in (STORED_PREFIX, OAS3_PREFIX):
        if ref.startswith(prefix) and "/" not in ref[len(prefix) :]:
            return ref[len(prefix) :]
    match = _AWS_MODEL_URL.match(ref)
    return match.group(1) if match else None


def check_model_name(name: str, where: Where) -> None:
    # AWS: "Model name must be alphanumeric" (api-gateway-known-issues).
    if not _MODEL_NAME.match(name):
        raise where.error(f"model name {name!r} must be alphanumeric, as API Gateway requires")


def stored_schema(schema: Any, known: Iterable[str], where: Where) -> Any:
    """Copy ``schema`` with every model reference in the stored spelling.

    A reference to anything but a model of this API is refused, as AWS refuses it.
    """
    names = set(known)

    def walk(node: Any, place: Where) -> Any:
        if isinstance(node, Mapping):
            out: dict[str, Any] = {}
            for key, value in node.items():
                if key == "$ref" and isinstance(value, str):
                    out[key] = _stored_ref(value, names, place.at(key))
                else:
                    out[str(key)] = walk(value, place.at(str(key)))
            return out
        if isinstance(node, list):
            return [walk(item, place.at(index)) for index, item in enumerate(node)]
        return node

    return walk(schema, where)


def _stored_ref(ref: str, names: set[str], where: Where) -> str:
    name = model_ref_name(ref)
    if name is None:
        raise where.error(f"unsupported $ref {ref!r}: only references to this API's models are allowed")
    if name not in names:
        raise where.error(f"$ref {ref!r} names a model that is not defined")
    return STORED_PREFIX + name


def flavor_schema(schema: Any, prefix: str) -> Any:
    """Copy a stored schema with model references spelled with ``prefix`` (for export)."""
    if isinstance(schema, Mapping):
        out: dict[str, Any] = {}
        for key, value in schema.items():
            name = model_ref_name(value) if key == "$ref" and isinstance(value, str) else None
            out[key] = prefix + name if name is not None else flavor_schema(value, prefix)
        return out
    if isinstance(schema, list):
        return [flavor_schema(item, prefix) for item in schema]
    return schema


def inline_model_name(schema: Any) -> str:
    """A stable name for an inline schema: ``MODEL`` and six hex digits, as AWS names them."""
    canonical = json.dumps(schema, sort_keys=True, separators=(",", ":"), default=str)
    return "MODEL" + hashlib.sha1(canonical.encode()).hexdigest()[:6]  # a name, not security


def _refs(schema: Any) -> Iterable[str]:
    if isinstance(schema, Mapping):
        for key, value in schema.items():
            if key == "$ref" and isinstance(value, str):
                name = model_ref_name(value)
                if name is not None:
                    yield name
            else:
                yield from _refs(value)
    elif isinstance(schema, list):
        for item in schema:
            yield from _refs(item)


def bundled_schema(models: Sequence[Model], name: str) -> dict[str, Any]:
    """One self-contained draft-04 schema for model ``name``, ready for jsonschema.

    Every model it references (directly or not) is copied under ``definitions`` and
    every reference is spelled ``#/definitions/X``. Raises ``KeyError`` for an unknown model.
    """
    by_name = {model.name: model for model in models}
    root = flavor_schema(by_name[name].schema, STORED_PREFIX)
    definitions: dict[str, Any] = dict(root.get("definitions") or {})
    pending = list(_refs(root))
    while pending:
        ref = pending.pop()
        if ref in definitions or ref not in by_name:
            continue
        definitions[ref] = flavor_schema(by_name[ref].schema, STORED_PREFIX)
        pending.extend(_refs(definitions[ref]))
    if definitions:
        root["definitions"] = definitions
    return dict(root)
