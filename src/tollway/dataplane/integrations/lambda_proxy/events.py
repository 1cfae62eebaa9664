"""The Lambda proxy events API Gateway sends to a function: payload format 1.0 and 2.0.

Pure functions of one ``EventRequest``; they run once per proxied request, so they only
copy and regroup what the request already holds.

Payload 1.0 (REST ``AWS_PROXY``) follows AWS's documented input format and the events
recorded against real AWS: ``path`` is the path inside the stage as the client sent it
(still percent-encoded) while ``requestContext.path`` carries the ``/{stage}`` prefix;
single-value maps keep the *last* value of a repeated header or query key; empty maps are
``null``; ``requestContext.authorizer`` appears only when the method has an authorizer;
``identity`` holds its twelve keys, plus ``apiKey`` / ``apiKeyId`` only when an API key was
used. API Gateway does not pass the hop-by-hop ``Connection`` header nor ``Content-Length``,
and names the ``Authorization`` header so, however the client spelled it.

Payload 2.0 (HTTP APIs) lower-cases header names, joins repeated headers and query values
with commas, moves ``Cookie`` headers into ``cookies`` and leaves out the keys it has no
value for (``cookies``, ``queryStringParameters``, ``pathParameters``, ``stageVariables``,
``body``).
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass, field
from typing import Any

import orjson

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_V1_DROPPED_HEADERS = frozenset({"connection", "content-length"})
_IDENTITY_KEYS = (
    "accessKey",
    "accountId",
    "caller",
    "cognitoAuthenticationProvider",
    "cognitoAuthenticationType",
    "cognitoIdentityId",
    "cognitoIdentityPoolId",
    "principalOrgId",
    "sourceIp",
    "user",
    "userAgent",
    "userArn",
)


@dataclass(slots=True)
class EventRequest:
    """Everything about one request that a proxy event carries.

    The caller decides the things that depend on the API's configuration: which resource
    matched, the path parameters, whether the body is binary (``binaryMediaTypes``).
    Not frozen: one is built per proxied request, and a frozen dataclass's ``__init__`` costs
    four times as much (about 2 us for these fields).
    """

    method: str
    path: str
    """The path inside the stage as the client sent it, percent-encoded (``/pets/a%20b``)."""
    resource_path: str
    """The matched resource (``/pets/{id}``)."""
    path_params: dict[str, str]
    headers: list[tuple[str, str]]
    """Header names as the client sent them, in order, repeated names kept."""
    query: dict[str, list[str]]
    """Query string values, decoded, every value of a repeated key in order."""
    body: bytes
    is_binary: bool
    """True when the body's Content-Type is one of the API's binary media types."""
    stage: str
    stage_variables: dict[str, str]
    request_id: str
    extended_request_id: str
    time_epoch_ms: int
    api_id: str
    resource_id: str
    source_ip: str
    user_agent: str | None
    domain_name: str
    protocol: str
    account_id: str
    deployment_id: str
    authorizer: dict[str, Any] | None = None
    """``requestContext.authorizer`` (v1: the authorizer's context and principalId/claims;
    v2: ``{"jwt": ...}`` or ``{"lambda": ...}``); None when the route has no authorizer."""
    api_key: str | None = None
    api_key_id: str | None = None
    identity: dict[str, Any] = field(default_factory=dict)
    """Identity values an authorizer established (``caller``, ``userArn``, ``cognito*``...)."""
    context_path: str | None = None
    """The path inside the stage for ``requestContext.path``, when the client's spelling
    differs from ``path`` (AWS reports ``/stage//x`` there and ``/x`` in ``path``)."""


def request_time(epoch_ms: int) -> str:
    """``requestTime`` / ``time`` in CLF form, UTC: ``04/Mar/2020:19:15:17 +0000``."""
    t = time.gmtime(epoch_ms // 1000)
    month = _MONTHS[t.tm_mon - 1]
    return f"{t.tm_mday:02d}/{month}/{t.tm_year}:{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} +0000"


def build_v1_event(req: EventRequest) -> dict[str, Any]:
    """The payload format 1.0 event of a REST API ``AWS_PROXY`` integration."""
    headers, multi_headers = _v1_headers(req.headers)
    body, is_base64 = _body(req)
    return {
        "resource": req.resource_path,
        "path": req.path,
        "httpMethod": req.method,
        "headers": headers or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": {k: v[-1] for k, v in req.query.items() if v} or None,
        "multiValueQueryStringParameters": {k: list(v) for k, v in req.query.items() if v} or None,
        "pathParameters": dict(req.path_params) or None,
        "stageVariables": dict(req.stage_variables) or None,
        "requestContext": _v1_request_context(req),
        "body": body,
        "isBase64Encoded": is_base64,
    }


def build_v2_event(req: EventRequest, *, route_key: str, raw_path: str, raw_query: str) -> dict[str, Any]:
    """The payload format 2.0 event of an HTTP API Lambda integration.

    ``raw_path`` is the path HTTP APIs report (it includes the stage name for a named stage);
    ``raw_query`` the query string as sent, without ``?``.
    """
    headers, cookies = _v2_headers(req.headers)
    body, is_base64 = _body(req)
    event: dict[str, Any] = {"version": "2.0", "routeKey": route_key, "rawPath": raw_path}
    event["rawQueryString"] = raw_query
    if cookies:
        event["cookies"] = cookies
    event["headers"] = headers
    query = {k: ",".join(v) for k, v in req.query.items() if v}
    if query:
        event["queryStringParameters"] = query
    event["requestContext"] = _v2_request_context(req, route_key, raw_path)
    if body is not None:
        event["body"] = body
    if req.path_params:
        event["pathParameters"] = dict(req.path_params)
    event["isBase64Encoded"] = is_base64
    if req.stage_variables:
        event["stageVariables"] = dict(req.stage_variables)
    return event


def encode_event(event: dict[str, Any]) -> bytes:
    """The event as the JSON bytes handed to the function."""
    return orjson.dumps(event)


def _body(req: EventRequest) -> tuple[str | None, bool]:
    if not req.body:
        return None, False
    if req.is_binary:
        return base64.b64encode(req.body).decode("ascii"), True
    # A text body that is not valid UTF-8 reaches the function as a JSON string, so the
    # invalid bytes can only become U+FFFD.
    return req.body.decode("utf-8", "replace"), False


def _v1_headers(raw: list[tuple[str, str]]) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Single (last value) and multi-value maps, names spelled as first sent."""
    spelling: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in raw:
        lower = name.lower()
        if lower in _V1_DROPPED_HEADERS:
            continue
        if lower == "authorization":
            name = "Authorization"  # recorded: AWS sends it so for "authorization" or "aUThorization"
        key = spelling.setdefault(lower, name)
        multi.setdefault(key, []).append(value)
    return {k: v[-1] for k, v in multi.items()}, multi


def _v2_headers(raw: list[tuple[str, str]]) -> tuple[dict[str, str], list[str]]:
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in raw:
        lower = name.lower()
        if lower == "cookie":
            cookies.extend(part.strip() for part in value.split(";") if part.strip())
        elif lower in headers:
            headers[lower] = f"{headers[lower]},{value}"
        else:
            headers[lower] = value
    return headers, cookies


def _v1_request_context(req: EventRequest) -> dict[str, Any]:
    context: dict[str, Any] = {
        "accountId": req.account_id,
        "apiId": req.api_id,
    }
    if req.authorizer is not None:
        context["authorizer"] = req.authorizer
    context.update(
        {
            "deploymentId": req.deployment_id,
            "domainName": req.domain_name,
            "domainPrefix": _domain_prefix(req.domain_name),
            "extendedRequestId": req.extended_request_id,
            "httpMethod": req.method,
            "identity": _identity(req),
            "path": f"/{req.stage}{req.path if req.context_path is None else req.context_path}",
            "protocol": req.protocol,
            "requestId": req.request_id,
            "requestTime": request_time(req.time_epoch_ms),
            "requestTimeEpoch": req.time_epoch_ms,
            "resourceId": req.resource_id,
            "resourcePath": req.resource_path,
            "stage": req.stage,
        }
    )
    return context


def _identity(req: EventRequest) -> dict[str, Any]:
    identity: dict[str, Any] = dict.fromkeys(_IDENTITY_KEYS)
    identity["sourceIp"] = req.source_ip
    identity["userAgent"] = req.user_agent
    if req.api_key is not None:
        identity["apiKey"] = req.api_key
        identity["apiKeyId"] = req.api_key_id
    identity.update(req.identity)
    return identity


def _v2_request_context(req: EventRequest, route_key: str, raw_path: str) -> dict[str, Any]:
    context: dict[str, Any] = {"accountId": req.account_id, "apiId": req.api_id}
    if req.authorizer is not None:
        context["authorizer"] = req.authorizer
    context.update(
        {
            "domainName": req.domain_name,
            "domainPrefix": _domain_prefix(req.domain_name),
            "http": {
                "method": req.method,
                "path": raw_path,
                "protocol": req.protocol,
                "sourceIp": req.source_ip,
                "userAgent": req.user_agent or "",
            },
            "requestId": req.request_id,
            "routeKey": route_key,
            "stage": req.stage,
            "time": request_time(req.time_epoch_ms),
            "timeEpoch": req.time_epoch_ms,
        }
    )
    return context


def _domain_prefix(domain: str) -> str:
    return domain.split(".", 1)[0]
