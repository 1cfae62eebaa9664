"""HTTP API parameter mapping: an integration's ``requestParameters`` and
``responseParameters``, compiled once, applied per request without parsing.

AWS ("Transform API requests and responses for HTTP APIs in API Gateway"):

* request keys: ``append|overwrite|remove:header.NAME``,
  ``append|overwrite|remove:querystring.NAME`` and ``overwrite:path``; response keys (per
  backend status code): ``append|overwrite|remove:header.NAME`` and ``overwrite:statuscode``;
* request values: ``$request.header.NAME`` (names case-insensitive, several values joined
  with commas), ``$request.querystring.NAME`` (names case-sensitive, values joined with
  commas), ``$request.body.JSONPATH`` (no recursive descent ``..`` nor filters ``?()``; the
  body is cut at 100 KB before the path applies), ``$request.body`` (all of it),
  ``$request.path`` (the path without the stage), ``$request.path.NAME`` (a path parameter),
  ``$context.NAME`` (only ``.`` and ``_`` besides letters and digits), ``$stageVariables.NAME``
  and static text; response values: ``$response.header.NAME``, ``$response.body.JSONPATH``,
  ``$response.body``, ``$context.NAME``, ``$stageVariables.NAME`` and static text;
* several variables in one value need braces: ``${request.path.name} ${request.path.id}``;
  ``$request.header.x`` alone needs none;
* reserved headers cannot be mapped, on either side: ``access-control-*``, ``apigw-*``,
  ``Authorization``, ``Connection``, ``Content-Encoding``, ``Content-Length``,
  ``Content-Location``, ``Forwarded``, ``Keep-Alive``, ``Origin``, ``Proxy-Authenticate``,
  ``Proxy-Authorization``, ``TE``, ``Trailers``, ``Transfer-Encoding``, ``Upgrade``,
  ``x-amz-*``, ``x-amzn-*``, ``X-Forwarded-For``, ``X-Forwarded-Host``, ``X-Forwarded-Proto``
  and ``Via``. ``compile_*`` raise ``ValueError`` naming the key (the caller wraps it);
* a ``remove:`` key's value is ignored (AWS's own example maps it to ``''``).

Decided where AWS documents nothing:

* every source reads the request as the client sent it (or the response as the integration
  sent it), never another mapping's result, so a header is renamed by
  ``append:header.new = $request.header.old`` with ``remove:header.old``; targets change in
  the order remove, overwrite, append, whatever the order of the keys;
* a value whose variables all resolve to nothing (header or parameter absent, JSONPath
  matching nothing or ``null``, unknown context or stage variable) and that has no static
  text leaves its target as it was; a variable that resolves to nothing inside static text
  renders as empty;
* a JSON body value that is not a string is sent as compact JSON;
* ``overwrite:`` replaces every value of the target with one; ``append:`` adds one more
  (a header line or query parameter, after the others);
* ``overwrite:statuscode`` takes an integer from 100 to 599; a static one that is not is
  refused at compile time, a variable one that is not leaves the status unchanged;
* reserved names apply to mapped headers (the targets); a reserved header may be read
  (``$request.header.Authorization``);
* a key mapped to an empty value is no mapping (``update-integration`` deletes a mapping
  that way).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, NamedTuple, Protocol

import orjson

from tollway.dataplane.mapping.jsonpath import MISSING, JsonPath, JsonPathError, compile_jsonpath
from tollway.dataplane.mapping.values import dump_json, java_str

BODY_PATH_LIMIT: Final = 100 * 1024
"""AWS applies a JSONPath to the first 100 KB of a body."""

RESERVED_HEADERS: Final = frozenset(
    {
        "authorization",
        "connection",
        "content-encoding",
        "content-length",
        "content-location",
        "forwarded",
        "keep-alive",
        "origin",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailers",
        "transfer-encoding",
        "upgrade",
        "x-forwarded-for",
        "x-forwarded-host",
        "x-forwarded-proto",
        "via",
    }
)
RESERVED_HEADER_PREFIXES: Final = ("access-control-", "apigw-", "x-amz-", "x-amzn-")

_REQUEST_KEY: Final = re.compile(r"(append|overwrite|remove):(header|querystring)\.(.+)")
_RESPONSE_KEY: Final = re.compile(r"(append|overwrite|remove):header\.(.+)")
_HEADER_NAME: Final = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_QUERY_NAME: Final = re.compile(r"[^\s&=#]+")
_CONTEXT_NAME: Final = re.compile(r"[A-Za-z0-9._]+")
_STAGE_VARIABLE_NAME: Final = re.compile(r"[A-Za-z0-9_]+")
_SOURCE_NAME: Final = re.compile(r"[^\s{}]+")


class Sources(Protocol):
    """What a mapping reads. For a request mapping, the client's request; for a response
    mapping, ``header`` and ``body_json`` read the integration's response (``query``,
    ``path`` and ``path_param`` are not consulted).

    A source may also have ``body() -> str``, the whole body as text, for ``$request.body``
    and ``$response.body`` (``PlainSources`` has); without it, those give the JSON body
    re-serialized compactly (nothing for a body that is not JSON).
    """

    def header(self, name: str) -> str | None:
        """The header's values joined with commas (name case-insensitive), or None."""
        ...

    def query(self, name: str) -> str | None:
        """The query parameter's values joined with commas (name case-sensitive), or None."""
        ...

    def path_param(self, name: str) -> str | None:
        """The matched route's path parameter (decoded), or None."""
        ...

    def path(self) -> str:
        """The request path, without the stage."""
        ...

    def body_json(self) -> Any:
        """The body as JSON (AWS reads its first ``BODY_PATH_LIMIT`` bytes), or None (or
        ``MISSING``) if it is not JSON."""
        ...

    def context(self, name: str) -> str | None:
        """A context variable (``requestId``, ``identity.sourceIp``), or None."""
        ...

    def stage_variable(self, name: str) -> str | None:
        """A stage variable, or None."""
        ...


@dataclass(slots=True)
class PlainSources:
    """``Sources`` over plain values; parses the body at most once."""

    headers: Sequence[tuple[str, str]] = ()
    query_params: Sequence[tuple[str, str]] = ()
    path_params: Mapping[str, str] = field(default_factory=dict)
    request_path: str = "/"
    body_text: str = ""
    context_values: Mapping[str, Any] = field(default_factory=dict)
    stage_variables: Mapping[str, str] = field(default_factory=dict)
    _document: Any = None
    _parsed: bool = False

    def header(self, name: str) -> str | None:
        folded = name.lower()
        values = [value for key, value in self.headers if key.lower() == folded]
        return ",".join(values) if values else None

    def query(self, name: str) -> str | None:
        values = [value for key, value in self.query_params if key == name]
        return ",".join(values) if values else None

    def path_param(self, name: str) -> str | None:
        return self.path_params.get(name)

    def path(self) -> str:
        return self.request_path

    def body(self) -> str:
        return self.body_text

    def body_json(self) -> Any:
        if not self._parsed:
            self._parsed = True
            raw = self.body_text.encode()[:BODY_PATH_LIMIT]
            try:
                self._document = orjson.loads(raw) if raw.strip() else MISSING
            except orjson.JSONDecodeError:
                self._document = MISSING
        return self._document

    def context(self, name: str) -> str | None:
        current: Any = self.context_values
        for part in name.split("."):
            if not isinstance(current, Mapping) or part not in current:
                return None
            current = current[part]
        return None if current is None else java_str(current)

    def stage_variable(self, name: str) -> str | None:
        return self.stage_variables.get(name)


Getter = Callable[[Sources], "str | None"]


@dataclass(frozen=True, slots=True)
class _Value:
    """A mapping value: static text and getters, in order."""

    parts: tuple[str | Getter, ...]

    def render(self, sources: Sources) -> str | None:
        """The value, or None when it has no static text and every variable is absent."""
        if len(self.parts) == 1:
            only = self.parts[0]
            return only if isinstance(only, str) else only(sources)
        out: list[str] = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
            else:
                value = part(sources)
                if value is not None:
                    out.append(value)
        text = "".join(out)
        return text if text else None


@dataclass(frozen=True, slots=True)
class _Set:
    name: str
    folded: str
    value: _Value


class MappedRequest(NamedTuple):
    """The request the integration receives (a tuple: ``headers, query, path = ...``)."""

    headers: list[tuple[str, str]]
    query: list[tuple[str, str]]
    path: str | None
    """The mapped path (``overwrite:path``), or None: the request's path, unchanged."""


@dataclass(frozen=True, slots=True)
class _HeaderRules:
    removes: frozenset[str]
    overwrites: tuple[_Set, ...]
    appends: tuple[_Set, ...]

    def apply(self, headers: Iterable[tuple[str, str]], sources: Sources) -> list[tuple[str, str]]:
        removes = self.removes
        result = [(n, v) for n, v in headers if n.lower() not in removes] if removes else list(headers)
        for rule in self.overwrites:
            value = rule.value.render(sources)
            if value is not None:
                result = [(n, v) for n, v in result if n.lower() != rule.folded]
                result.append((rule.name, value))
        for rule in self.appends:
            value = rule.value.render(sources)
            if value is not None:
                result.append((rule.name, value))
        return result


@dataclass(frozen=True, slots=True)
class RequestMapping:
    """Compiled ``requestParameters``; build it with ``compile_request_mapping``."""

    header_rules: _HeaderRules
    query_removes: frozenset[str]
    query_overwrites: tuple[_Set, ...]
    query_appends: tuple[_Set, ...]
    path_value: _Value | None

    def apply(
        self,
        headers: Iterable[tuple[str, str]],
        query: Iterable[tuple[str, str]],
        path: str,
        sources: Sources,
    ) -> MappedRequest:
        """The integration request: ``headers``, ``query`` and ``path`` (the request's path,
        without the stage) with the mapping applied; the inputs are not changed. The result's
        ``path`` is None when the mapping leaves the path as it is."""
        new_headers = self.header_rules.apply(headers, sources)
        new_query = [(n, v) for n, v in query if n not in self.query_removes]
        for rule in self.query_overwrites:
            value = rule.value.render(sources)
            if value is not None:
                new_query = [(n, v) for n, v in new_query if n != rule.name]
                new_query.append((rule.name, value))
        for rule in self.query_appends:
            value = rule.value.render(sources)
            if value is not None:
                new_query.append((rule.name, value))
        new_path = None
        if self.path_value is not None:
            mapped = self.path_value.render(sources)
            if mapped is not None and mapped != path:
                new_path = mapped
        return MappedRequest(new_headers, new_query, new_path)


@dataclass(frozen=True, slots=True)
class _ResponseRules:
    header_rules: _HeaderRules
    status_value: _Value | None

    def apply(
        self, status: int, headers: Iterable[tuple[str, str]], sources: Sources
    ) -> tuple[int, list[tuple[str, str]]]:
        new_status = status
        if self.status_value is not None:
            mapped = self.status_value.render(sources)
            code = _status_code(mapped) if mapped is not None else None
            if code is not None:
                new_status = code
        return new_status, self.header_rules.apply(headers, sources)


@dataclass(frozen=True, slots=True)
class ResponseMapping:
    """Compiled ``responseParameters``; build it with ``compile_response_mapping``."""

    by_status: dict[int, _ResponseRules]

    def apply(
        self, status: int, headers: Iterable[tuple[str, str]], sources: Sources
    ) -> tuple[int, list[tuple[str, str]]]:
        """The status and headers the client receives for an integration response of
        ``status``: the mapping for that status code applied, or the inputs unchanged."""
        rules = self.by_status.get(status)
        if rules is None:
            return status, list(headers)
        return rules.apply(status, headers, sources)


def compile_request_mapping(mapping: Mapping[str, str]) -> RequestMapping | None:
    """``requestParameters`` compiled, or None when there is nothing to map; ``ValueError``
    for a key or value AWS refuses."""
    header_removes: set[str] = set()
    header_overwrites: list[_Set] = []
    header_appends: list[_Set] = []
    query_removes: set[str] = set()
    query_overwrites: list[_Set] = []
    query_appends: list[_Set] = []
    path_value: _Value | None = None
    for key, text in mapping.items():
        if key == "overwrite:path":
            if text:
                path_value = _compile_value(text, "request", key)
            continue
        found = _REQUEST_KEY.fullmatch(key)
        if found is None:
            raise ValueError(
                f"Invalid mapping key '{key}': a request parameter key is "
                "append|overwrite|remove:header.NAME, append|overwrite|remove:querystring.NAME "
                "or overwrite:path"
            )
        action, location, name = found.groups()
        if location == "header":
            _check_header(name, key)
            if action == "remove":
                header_removes.add(name.lower())
            elif text:
                rule = _Set(name, name.lower(), _compile_value(text, "request", key))
                (header_overwrites if action == "overwrite" else header_appends).append(rule)
        else:
            if _QUERY_NAME.fullmatch(name) is None:
                raise ValueError(f"Invalid mapping key '{key}': '{name}' is not a query string name")
            if action == "remove":
                query_removes.add(name)
            elif text:
                rule = _Set(name, name, _compile_value(text, "request", key))
                (query_overwrites if action == "overwrite" else query_appends).append(rule)
    if not (header_removes or header_overwrites or header_appends or query_removes) and not (
        query_overwrites or query_appends or path_value is not None
    ):
        return None
    return RequestMapping(
        _HeaderRules(frozenset(header_removes), tuple(header_overwrites), tuple(header_appends)),
        frozenset(query_removes),
        tuple(query_overwrites),
        tuple(query_appends),
        path_value,
    )


def compile_response_mapping(mapping: Mapping[str, Mapping[str, str]]) -> ResponseMapping | None:
    """``responseParameters`` (status code to parameters) compiled, or None when there is
    nothing to map; ``ValueError`` for a status code, key or value AWS refuses."""
    by_status: dict[int, _ResponseRules] = {}
    for code_text, parameters in mapping.items():
        code = _status_code(code_text)
        if code is None:
            raise ValueError(f"Invalid response parameters: '{code_text}' is not an HTTP status code")
        rules = _compile_response_rules(parameters)
        if rules is not None:
            by_status[code] = rules
    return ResponseMapping(by_status) if by_status else None


def _compile_response_rules(parameters: Mapping[str, str]) -> _ResponseRules | None:
    removes: set[str] = set()
    overwrites: list[_Set] = []
    appends: list[_Set] = []
    status_value: _Value | None = None
    for key, text in parameters.items():
        if key == "overwrite:statuscode":
            if text:
                status_value = _compile_value(text, "response", key)
                static = status_value.parts[0] if len(status_value.parts) == 1 else None
                if isinstance(static, str) and _status_code(static) is None:
                    raise ValueError(
                        f"Invalid mapping value for '{key}': '{text}' is not a status code from 100 to 599"
                    )
            continue
        found = _RESPONSE_KEY.fullmatch(key)
        if found is None:
            raise ValueError(
                f"Invalid mapping key '{key}': a response parameter key is "
                "append|overwrite|remove:header.NAME or overwrite:statuscode"
            )
        action, name = found.groups()
        _check_header(name, key)
        if action == "remove":
            removes.add(name.lower())
        elif text:
            rule = _Set(name, name.lower(), _compile_value(text, "response", key))
            (overwrites if action == "overwrite" else appends).append(rule)
    if not (removes or overwrites or appends or status_value is not None):
        return None
    return _ResponseRules(_HeaderRules(frozenset(removes), tuple(overwrites), tuple(appends)), status_value)


def is_reserved_header(name: str) -> bool:
    """Whether AWS refuses to map header ``name`` (case-insensitive)."""
    folded = name.lower()
    return folded in RESERVED_HEADERS or folded.startswith(RESERVED_HEADER_PREFIXES)


def _check_header(name: str, key: str) -> None:
    if _HEADER_NAME.fullmatch(name) is None:
        raise ValueError(f"Invalid mapping key '{key}': '{name}' is not a header name")
    if is_reserved_header(name):
        raise ValueError(f"Invalid mapping key '{key}': header '{name}' is reserved and cannot be mapped")


def _status_code(text: str) -> int | None:
    stripped = text.strip()
    if len(stripped) != 3 or not stripped.isdigit():
        return None
    code = int(stripped)
    return code if 100 <= code <= 599 else None


def _compile_value(text: str, side: str, key: str) -> _Value:
    """``text`` as static parts and getters; ``side`` is ``request`` or ``response``."""
    if text.startswith("$") and not text.startswith("${"):
        return _Value((_getter(text[1:], side, key),))
    parts: list[str | Getter] = []
    start = 0
    while True:
        opening = text.find("${", start)
        if opening < 0:
            if start < len(text):
                parts.append(text[start:])
            break
        if opening > start:
            parts.append(text[start:opening])
        closing = text.find("}", opening)
        if closing < 0:
            raise ValueError(f"Invalid mapping value for '{key}': '${{' without a closing '}}' in '{text}'")
        parts.append(_getter(text[opening + 2 : closing], side, key))
        start = closing + 1
    return _Value(tuple(parts))


def _getter(expression: str, side: str, key: str) -> Getter:
    """The getter of one variable (``request.header.x``, without ``$`` and braces)."""

    def refuse(why: str) -> ValueError:
        return ValueError(f"Invalid mapping value for '{key}': '${expression}' {why}")

    if expression.startswith(("request.body", "response.body")) and (
        ".." in expression or "?(" in expression
    ):
        raise refuse("uses a recursive descent or a filter, which AWS does not support")
    if _SOURCE_NAME.fullmatch(expression) is None:
        raise refuse("is not a variable; to use several variables in a value, write each as ${...}")
    root, _, rest = expression.partition(".")
    if root == "context":
        if not rest or _CONTEXT_NAME.fullmatch(rest) is None:
            raise refuse("is not a context variable (only '.' and '_' besides letters and digits)")
        return lambda sources: sources.context(rest)
    if root == "stageVariables":
        if not rest or _STAGE_VARIABLE_NAME.fullmatch(rest) is None:
            raise refuse("is not a stage variable")
        return lambda sources: sources.stage_variable(rest)
    if root not in ("request", "response"):
        raise refuse("is not a supported source ($request, $response, $context, $stageVariables)")
    if root != side:
        raise refuse(f"cannot be read in {side} parameters")
    where, _, name = rest.partition(".")
    if where == "body":
        return _body_getter(name, refuse) if name else _whole_body
    if where == "header" and name:
        return lambda sources: sources.header(name)
    if root == "request":
        if where == "querystring" and name:
            return lambda sources: sources.query(name)
        if where == "path":
            if name:
                return lambda sources: sources.path_param(name)
            return _request_path
    raise refuse("is not a supported source")


def _whole_body(sources: Sources) -> str | None:
    body = getattr(sources, "body", None)
    if callable(body):
        text: str = body()
        return text
    document = sources.body_json()
    if document is None or document is MISSING:
        return None
    return document if isinstance(document, str) else dump_json(document)


def _request_path(sources: Sources) -> str | None:
    return sources.path()


def _body_getter(expression: str, refuse: Callable[[str], ValueError]) -> Getter:
    """``expression``: the JSON path after ``body.`` (``pet.name``, ``[0].id``)."""
    path_text = expression if expression.startswith("[") else "." + expression
    try:
        path = compile_jsonpath("$" + path_text)
    except JsonPathError:
        raise refuse("is not a JSON path") from None
    return _json_value(path)


def _json_value(path: JsonPath) -> Getter:
    def get(sources: Sources) -> str | None:
        document = sources.body_json()
        if document is None or document is MISSING:
            return None
        found = path.value(document)
        if found is MISSING or found is None or (not path.definite and not found):
            return None
        return found if isinstance(found, str) else dump_json(found)

    return get
