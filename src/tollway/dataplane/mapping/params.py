"""REST API parameter mapping (``requestParameters`` / ``responseParameters``).

Compiled once per deployment into a list of (target, getter) pairs; applying a mapper
only runs the getters. AWS behaviours:

* a source that is absent (parameter not sent, JSONPath matching nothing, unknown
  stage or context variable) leaves its target out;
* ``method.request.body.JSONPath`` / ``integration.response.body.JSONPath`` take the
  JSONPath without its ``$.`` prefix (``body.petstore.pets[0].name``); a ``$``-prefixed
  one is accepted too. A string result is used as is, anything else as compact JSON;
* header sources are looked up case-insensitively;
* static values are single-quoted: ``'application/json'``.

Decisions where AWS documents nothing: a multi-value source mapped to a single-value
target gives its values comma-joined (as ``integration.response.multivalueheader``
does); a single-value source mapped to a multi-value target gives a one-item list.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import orjson

from tollway.dataplane.mapping.inputs import TemplateInputs
from tollway.dataplane.mapping.jsonpath import MISSING, JsonPath, JsonPathError, compile_jsonpath
from tollway.dataplane.mapping.values import dump_json, java_str
from tollway.dataplane.mapping.vtl import TemplateError

__all__ = [
    "MappedRequestParameters",
    "RequestParameterMapper",
    "ResponseParameterMapper",
    "compile_request_parameters",
    "compile_response_parameters",
]

_REQUEST_TARGET: Final = re.compile(
    r"integration\.request\.(path|querystring|header|multivaluequerystring|multivalueheader)\.(.+)"
)
_RESPONSE_TARGET: Final = re.compile(r"method\.response\.header\.(.+)")
_NAME: Final = re.compile(r"[^\s]+")

Value = str | list[str] | None


@dataclass(slots=True)
class _Sources:
    """What a getter reads: the request, and (response side) the backend's answer."""

    inputs: TemplateInputs
    headers: Mapping[str, str] = field(default_factory=dict)
    body: str = ""
    _document: Any = MISSING

    def document(self, text: str) -> Any:
        """The JSON of ``text``, parsed at most once (MISSING if it is not JSON)."""
        if self._document is MISSING:
            try:
                self._document = orjson.loads(text) if text.strip() else MISSING
            except orjson.JSONDecodeError:
                self._document = None
        return None if self._document is MISSING else self._document


Getter = Callable[[_Sources], Value]


def _lookup_folded(values: Mapping[str, Any], name: str) -> Any:
    found = values.get(name)
    if found is None:
        folded = name.lower()
        found = next((v for k, v in values.items() if k.lower() == folded), None)
    return found


def _scalar(value: Any) -> str:
    return value if isinstance(value, str) else dump_json(value)


def _json_getter(path: JsonPath, text_of: Callable[[_Sources], str]) -> Getter:
    def get(sources: _Sources) -> Value:
        document = sources.document(text_of(sources))
        if document is None:
            return None
        found = path.value(document)
        if found is MISSING or found is None or (not path.definite and not found):
            return None
        return _scalar(found)

    return get


def _body_path(expression: str, key: str) -> JsonPath:
    text = expression if expression.startswith("$") else "$." + expression
    try:
        return compile_jsonpath(text)
    except JsonPathError as exc:
        raise TemplateError(f"{key}: {exc}") from None


def _common_getter(source: str, key: str) -> Getter | None:
    """Getters valid on both sides: static values, stage and context variables."""
    if len(source) >= 2 and source[0] == source[-1] == "'":
        static = source[1:-1]
        return lambda _sources: static
    if source.startswith("stageVariables."):
        name = _require_name(source, "stageVariables.", key)
        return lambda sources: sources.inputs.stage_variables.get(name)
    if source.startswith("context."):
        parts = _require_name(source, "context.", key).split(".")
        return lambda sources: _context_value(sources.inputs.context, parts)
    return None


def _context_value(context: Mapping[str, Any], parts: list[str]) -> str | None:
    current: Any = context
    for part in parts:
        if not isinstance(current, Mapping) or part not in current:
            return None
        current = current[part]
    return None if current is None else java_str(current)


def _require_name(source: str, prefix: str, key: str) -> str:
    name = source[len(prefix) :]
    if not _NAME.fullmatch(name):
        raise TemplateError(f"{key}: invalid mapping expression {source!r}")
    return name


def _request_getter(source: str, key: str) -> Getter:
    common = _common_getter(source, key)
    if common is not None:
        return common
    if source == "method.request.body":
        return lambda sources: sources.inputs.body
    if source.startswith("method.request.body."):
        path = _body_path(source[len("method.request.body.") :], key)
        return _json_getter(path, lambda sources: sources.inputs.body)
    for prefix, getter in _REQUEST_SOURCES.items():
        if source.startswith(prefix):
            name = _require_name(source, prefix, key)
            return lambda sources, g=getter, n=name: g(sources.inputs, n)  # type: ignore[misc]
    raise TemplateError(f"{key}: invalid mapping expression {source!r}")


_REQUEST_SOURCES: Final[dict[str, Callable[[TemplateInputs, str], Value]]] = {
    "method.request.path.": lambda inputs, n: inputs.path_params.get(n),
    "method.request.querystring.": lambda inputs, n: inputs.querystring.get(n),
    "method.request.multivaluequerystring.": lambda inputs, n: inputs.multi_querystring.get(n),
    "method.request.header.": lambda inputs, n: _lookup_folded(inputs.headers, n),
    "method.request.multivalueheader.": lambda inputs, n: _lookup_folded(inputs.multi_headers, n),
}


def _response_getter(source: str, key: str) -> Getter:
    common = _common_getter(source, key)
    if common is not None:
        return common
    if source == "integration.response.body":
        return lambda sources: sources.body
    if source.startswith("integration.response.body."):
        path = _body_path(source[len("integration.response.body.") :], key)
        return _json_getter(path, lambda sources: sources.body)
    for prefix in ("integration.response.header.", "integration.response.multivalueheader."):
        if source.startswith(prefix):
            name = _require_name(source, prefix, key)
            return lambda sources: _lookup_folded(sources.headers, name)
    raise TemplateError(f"{key}: invalid mapping expression {source!r}")


@dataclass(slots=True)
class MappedRequestParameters:
    """Integration request parameters produced by a request mapping."""

    path: dict[str, str] = field(default_factory=dict)
    querystring: dict[str, list[str]] = field(default_factory=dict)
    headers: dict[str, list[str]] = field(default_factory=dict)


def _as_single(value: str | list[str]) -> str:
    return value if isinstance(value, str) else ",".join(value)


def _as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


class RequestParameterMapper:
    """Compiled ``requestParameters``. Immutable; safe to share."""

    __slots__ = ("_entries",)

    def __init__(self, entries: list[tuple[str, str, Getter]]) -> None:
        self._entries = entries

    def apply(self, inputs: TemplateInputs) -> MappedRequestParameters:
        """Evaluate every mapping against one request."""
        result = MappedRequestParameters()
        sources = _Sources(inputs)
        for kind, name, getter in self._entries:
            value = getter(sources)
            if value is None:
                continue
            if kind == "path":
                result.path[name] = _as_single(value)
            elif kind == "querystring":
                result.querystring[name] = [_as_single(value)]
            elif kind == "multivaluequerystring":
                result.querystring[name] = _as_list(value)
            elif kind == "header":
                result.headers[name] = [_as_single(value)]
            else:
                result.headers[name] = _as_list(value)
        return result


class ResponseParameterMapper:
    """Compiled ``responseParameters``. Immutable; safe to share."""

    __slots__ = ("_entries",)

    def __init__(self, entries: list[tuple[str, Getter]]) -> None:
        self._entries = entries

    def apply(
        self, backend_headers: Mapping[str, str], backend_body: str, inputs: TemplateInputs
    ) -> dict[str, str]:
        """Method response headers from the integration response."""
        sources = _Sources(inputs, backend_headers, backend_body)
        headers: dict[str, str] = {}
        for name, getter in self._entries:
            value = getter(sources)
            if value is not None:
                headers[name] = _as_single(value)
        return headers


def _check_pair(key: Any, source: Any) -> None:
    if not isinstance(key, str) or not isinstance(source, str):
        raise TemplateError(f"parameter mapping {key!r}: key and value must be strings")


def compile_request_parameters(mapping: Mapping[str, str]) -> RequestParameterMapper:
    """Compile ``requestParameters``; raise ``TemplateError`` for a malformed entry."""
    entries: list[tuple[str, str, Getter]] = []
    for key, source in mapping.items():
        _check_pair(key, source)
        match = _REQUEST_TARGET.fullmatch(key)
        if match is None or not _NAME.fullmatch(match.group(2)):
            raise TemplateError(f"{key}: invalid integration request parameter")
        entries.append((match.group(1), match.group(2), _request_getter(source.strip(), key)))
    return RequestParameterMapper(entries)


def compile_response_parameters(mapping: Mapping[str, str]) -> ResponseParameterMapper:
    """Compile ``responseParameters``; raise ``TemplateError`` for a malformed entry."""
    entries: list[tuple[str, Getter]] = []
    for key, source in mapping.items():
        _check_pair(key, source)
        match = _RESPONSE_TARGET.fullmatch(key)
        if match is None or not _NAME.fullmatch(match.group(1)):
            raise TemplateError(f"{key}: invalid method response parameter")
        entries.append((match.group(1), _response_getter(source.strip(), key)))
    return ResponseParameterMapper(entries)
