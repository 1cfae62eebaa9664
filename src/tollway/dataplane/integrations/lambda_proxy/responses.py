"""How API Gateway reads what a proxied Lambda function returned.

Payload 1.0 (REST ``AWS_PROXY``): the result must be a JSON object with only ``statusCode``,
``headers``, ``multiValueHeaders``, ``body``, ``isBase64Encoded`` (and the undocumented
``base64Encoded``, which wins over ``isBase64Encoded``). Anything else is a malformed Lambda
proxy response, which AWS answers with 502 ``{"message": "Internal server error"}``; so is an
unhandled function error. AWS tolerates a numeric-string ``statusCode``, a missing
``statusCode`` (200), boolean header values (``"true"``/``"false"``) and a ``null`` header
value (the header is left out; a ``null`` Content-Type also stops the default
``application/json``). A name in both ``multiValueHeaders`` and ``headers`` (compared
case-insensitively) is sent with both: the multi values first, then the single one, under
the multi spelling (recorded: ``"tesT-Multi": "value-multi, value-solo"``).

Payload 2.0 (HTTP APIs): valid JSON without ``statusCode`` is the body of a 200
``application/json`` answer (a JSON string is used as the body text); unknown keys are
ignored; ``cookies`` become ``set-cookie`` headers; ``isBase64Encoded`` always decodes.
Failures are answered 500 ``{"message":"Internal Server Error"}`` by the caller.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

import orjson

from tollway.errors import TollwayError

_V1_KEYS = frozenset(
    {"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded", "base64Encoded"}
)
_V1_DEFAULT_CONTENT_TYPE = ("Content-Type", "application/json")
# What HTTP APIs send when a structured response names no content type.
_V2_DEFAULT_CONTENT_TYPE = ("content-type", "text/plain; charset=utf-8")
_V2_INFERRED_CONTENT_TYPE = ("content-type", "application/json")


class MalformedResponse(TollwayError):
    """The function's result cannot be turned into an HTTP response (or the function failed).

    ``reason`` is for logs (AWS logs "Malformed Lambda proxy response"); never sent to clients.
    """

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


@dataclass(slots=True)
class ProxyResponse:
    """The HTTP response a proxied function asked for."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes
    """The body to send; base64-decoded when the function set ``isBase64Encoded``."""
    encoded_body: bytes | None = None
    """Payload 1.0 only: the body as the function sent it when it was base64-encoded. REST
    APIs send the decoded ``body`` only when the client's first ``Accept`` type is a binary
    media type, and this text otherwise."""


def parse_v1_response(payload: bytes, *, function_error: str | None) -> ProxyResponse:
    """Read a payload format 1.0 result as a REST API does; raises MalformedResponse (502)."""
    result = _load(payload, function_error)
    if not isinstance(result, dict):
        raise MalformedResponse(f"the result is {_kind(result)}, not an object")
    unknown = sorted(set(result) - _V1_KEYS)
    if unknown:
        raise MalformedResponse(f"unexpected keys in the result: {', '.join(unknown)}")
    status = _status(result.get("statusCode"))
    headers = _v1_headers(result.get("headers"), result.get("multiValueHeaders"))
    text = _body_text(result.get("body"))
    flag = result.get("base64Encoded")
    name = "base64Encoded"
    if flag is None:
        flag, name = result.get("isBase64Encoded"), "isBase64Encoded"
    encoded = _flag(flag, name)
    body = _b64decode(text) if encoded else text
    return ProxyResponse(status, headers, body, text if encoded else None)


def parse_v2_response(payload: bytes, *, function_error: str | None) -> ProxyResponse:
    """Read a payload format 2.0 result as an HTTP API does; raises MalformedResponse (500)."""
    result = _load(payload, function_error)
    if not isinstance(result, dict) or "statusCode" not in result:
        # The inferred form: the whole result is the body of a 200 JSON answer.
        body = result.encode("utf-8") if isinstance(result, str) else payload
        return ProxyResponse(200, [_V2_INFERRED_CONTENT_TYPE], body)
    status = _status(result["statusCode"])
    headers = _v2_headers(result.get("headers"))
    headers.extend(("set-cookie", cookie) for cookie in _cookies(result.get("cookies")))
    text = _body_text(result.get("body"))
    body = _b64decode(text) if _flag(result.get("isBase64Encoded"), "isBase64Encoded") else text
    return ProxyResponse(status, headers, body)


def _load(payload: bytes, function_error: str | None) -> Any:
    if function_error is not None:
        raise MalformedResponse(f"the function failed ({function_error})")
    try:
        return orjson.loads(payload)
    except orjson.JSONDecodeError:
        raise MalformedResponse("the result is not JSON") from None


def _kind(value: Any) -> str:
    """The JSON type of a decoded value, with its article, for a log line."""
    kinds = {str: "a string", list: "an array", dict: "an object", bool: "a boolean", type(None): "null"}
    return kinds.get(type(value), "a number")


def _status(value: Any) -> int:
    """``statusCode``: a number or a numeric string (AWS accepts ``"201"``); absent means 200."""
    if value is None:
        return 200
    if isinstance(value, bool):
        raise MalformedResponse("statusCode is not a number")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if not isinstance(value, int):
        raise MalformedResponse(f"statusCode {value!r} is not a number")
    if not 100 <= value <= 599:
        raise MalformedResponse(f"statusCode {value} is not an HTTP status")
    return value


def _v1_headers(single: Any, multi: Any) -> list[tuple[str, str]]:
    single_map = _object(single, "headers")
    multi_map = _object(multi, "multiValueHeaders")
    headers: list[tuple[str, str]] = []
    named: dict[str, str] = {}  # lower-cased name -> the single value's name
    for name, value in single_map.items():
        named[name.lower()] = name
        _v1_append(headers, name, value)
    if multi_map:
        headers = _merge_multi(headers, multi_map, single_map, named)
    if "content-type" not in named:
        headers.append(_V1_DEFAULT_CONTENT_TYPE)
    return headers


def _merge_multi(
    headers: list[tuple[str, str]],
    multi_map: dict[str, Any],
    single_map: dict[str, Any],
    named: dict[str, str],
) -> list[tuple[str, str]]:
    """``headers`` (from ``headers``) merged with ``multiValueHeaders``: a name in both is
    sent under the multi spelling, multi values first."""
    merged = {name.lower() for name in multi_map} & set(named)
    out = [pair for pair in headers if pair[0].lower() not in merged]
    for name, values in multi_map.items():
        if not isinstance(values, list):
            raise MalformedResponse(f"multiValueHeaders[{name!r}] is not a list")
        for value in values:
            _v1_append(out, name, value)
        lower = name.lower()
        if lower in merged:
            merged.discard(lower)  # once, even if two multi names differ only in case
            _v1_append(out, name, single_map[named[lower]])
        named.setdefault(lower, name)
    return out


def _v1_append(headers: list[tuple[str, str]], name: str, value: Any) -> None:
    text = _v1_header_value(value, name)
    if text is not None:
        headers.append((name, text))


def _v1_header_value(value: Any, name: str) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return None
    raise MalformedResponse(f"header {name!r} has {_kind(value)} value")


def _v2_headers(value: Any) -> list[tuple[str, str]]:
    headers: list[tuple[str, str]] = []
    for name, raw in _object(value, "headers").items():
        if isinstance(raw, bool):
            headers.append((name, "true" if raw else "false"))
        elif isinstance(raw, str | int | float):
            headers.append((name, raw if isinstance(raw, str) else str(raw)))
        elif raw is not None:
            raise MalformedResponse(f"header {name!r} has {_kind(raw)} value")
    if not any(name.lower() == "content-type" for name, _ in headers):
        headers.append(_V2_DEFAULT_CONTENT_TYPE)
    return headers


def _cookies(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(cookie, str) for cookie in value):
        raise MalformedResponse("cookies is not a list of strings")
    return value


def _object(value: Any, key: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise MalformedResponse(f"{key} is not an object")
    return value


def _body_text(value: Any) -> bytes:
    if value is None:
        return b""
    if not isinstance(value, str):
        raise MalformedResponse(f"body is {_kind(value)}, not a string")
    return value.encode("utf-8")


def _flag(value: Any, name: str) -> bool:
    """``isBase64Encoded``: a boolean; the strings ``"true"``/``"false"`` are read too."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if value in ("true", "True", "false", "False"):
        return value in ("true", "True")
    raise MalformedResponse(f"{name} is not a boolean")


def _b64decode(text: bytes) -> bytes:
    try:
        return base64.b64decode(b"".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        raise MalformedResponse("the body is not valid base64") from None
