"""Header policy of REST APIs: which headers API Gateway drops, adds, refuses and remaps.

Every table here was recorded against real AWS (LocalStack's parity snapshots
``test_apigateway_integrations.py::TestApiGatewayHeaderRemapping``, ``test_apigateway_http``
and ``test_apigateway_lambda``); names are compared lower-cased.

Request side:

- ``DROPPED_ON_ARRIVAL``: client headers that never reach any integration and that
  ``$input.params()`` / ``method.request.header.*`` do not see (``parse`` removes them).
- HTTP_PROXY does not pass the client's ``Host`` (the backend's is sent), ``Content-Encoding``
  or ``Via``; a request mapping may still set ``Host`` and ``Content-Encoding``.
- After the mappings, HTTP and HTTP_PROXY never send ``Connection``, ``Expect``,
  ``Proxy-Authenticate``, ``TE`` or ``Via``, whoever set them.
- Mapping a value onto a header of ``refused_mapping``'s tables fails every call of the
  method with 500 ``{"message": "Internal server error"}``.
- Added: ``X-Amzn-Apigateway-Api-Id`` and ``X-Amzn-Trace-Id`` (HTTP, HTTP_PROXY),
  ``User-Agent: AmazonAPIGateway_{apiId}`` and ``Accept: application/json`` unless mapped
  (HTTP), ``X-Forwarded-*`` (HTTP_PROXY, AWS_PROXY events).

Response side: ``x-amzn-Remapped-{name}`` for the headers of ``_REMAPPED_*``, which AWS keeps
for itself; ``Transfer-Encoding`` is dropped (the server frames the body).

Decided here, where the recordings are silent: a proxy backend's ``Authorization`` and
``WWW-Authenticate`` are remapped too (tollway did so before; Chalice documents the
``WWW-Authenticate`` remapping of Lambda proxy answers), AWS_PROXY answers are remapped like
HTTP_PROXY ones, a backend's ``Content-Encoding`` and ``Via`` pass (tollway never decodes a
body), the hop-by-hop ``Keep-Alive`` / ``Proxy-Connection`` are never forwarded, and a
mapping onto ``X-Amzn-Trace-Id`` or ``X-Amzn-Apigateway-Api-Id`` is ignored: API Gateway's
own values are sent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

DROPPED_ON_ARRIVAL = frozenset(
    {
        "connection",
        "content-length",
        "content-md5",
        "expect",
        "max-forwards",
        "proxy-authenticate",
        "server",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "www-authenticate",
    }
)
FORWARDED = frozenset({"x-forwarded-for", "x-forwarded-proto", "x-forwarded-port"})
"""Set by API Gateway itself on proxied requests (``forwarded.py``)."""
TRACE = "X-Amzn-Trace-Id"
API_ID = "X-Amzn-Apigateway-Api-Id"
_OWN = frozenset({TRACE.lower(), API_ID.lower()})

# HTTP_PROXY: client headers not passed through, and what is set by API Gateway instead.
_NOT_PASSED = (
    frozenset({"host", "content-encoding", "via", "keep-alive", "proxy-connection"}) | FORWARDED | _OWN
)
_NEVER_SENT_HTTP = frozenset({"connection", "expect", "proxy-authenticate", "te", "via", "keep-alive"}) | _OWN

_REFUSED_HTTP = frozenset({"content-length", "transfer-encoding"})
_REFUSED_LAMBDA = _REFUSED_HTTP | {"authorization", "connection", "expect", "proxy-authenticate", "te"}
_REQUEST_HEADER = "integration.request.header."

_REMAPPED_PROXY = frozenset(
    {
        "connection",
        "content-length",
        "date",
        "server",
        "authorization",
        "www-authenticate",
        "x-amzn-requestid",
    }
)
_DROPPED_PROXY = frozenset(
    {"transfer-encoding", "keep-alive", "upgrade", "te", "trailer", "proxy-connection"}
)
_PROXY_ANSWER = {name: True for name in _REMAPPED_PROXY} | {name: False for name in _DROPPED_PROXY}
"""Lower-cased name -> True (remapped) or False (dropped), for a proxied answer's headers."""
_REMAPPED_MAPPED = frozenset(
    {
        "authorization",
        "connection",
        "content-length",
        "content-md5",
        "date",
        "expect",
        "host",
        "max-forwards",
        "proxy-authenticate",
        "server",
        "trailer",
        "upgrade",
        "user-agent",
        "www-authenticate",
    }
)


def refused_mapping(kind: str, request_parameters: Mapping[str, str]) -> str | None:
    """Why ``requestParameters`` cannot be served by a ``kind`` integration (AWS answers such
    a method 500 Internal server error on every call), or None."""
    refused = _REFUSED_LAMBDA if kind in ("AWS", "AWS_PROXY") else _REFUSED_HTTP
    for key in request_parameters:
        if key[: len(_REQUEST_HEADER)].lower() == _REQUEST_HEADER:
            name = key[len(_REQUEST_HEADER) :]
            if name.lower() in refused:
                return f"{kind} integrations cannot map the {name} header ({key})"
    return None


def proxy_request_headers(
    client: list[tuple[str, str]], mapped: Mapping[str, list[str]]
) -> list[tuple[str, str]]:
    """An HTTP_PROXY request's headers before API Gateway adds its own: the method request's,
    minus what is not passed through, with the mapped headers replacing same-named ones."""
    headers = [pair for pair in client if pair[0].lower() not in _NOT_PASSED]
    return apply_mapped(headers, mapped) if mapped else headers


def apply_mapped(headers: list[tuple[str, str]], mapped: Mapping[str, list[str]]) -> list[tuple[str, str]]:
    """``headers`` with each mapped header replacing those of its name (case-insensitively);
    headers an HTTP integration never sends are left out."""
    for name, values in mapped.items():
        lower = name.lower()
        headers = [pair for pair in headers if pair[0].lower() != lower]
        if lower not in _NEVER_SENT_HTTP:
            headers.extend((name, value) for value in values)
    return headers


def proxy_response_headers(backend: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """A proxied answer's headers as the client gets them (HTTP_PROXY, AWS_PROXY)."""
    headers: list[tuple[str, str]] = []
    for pair in backend:
        remap = _PROXY_ANSWER.get(pair[0].lower())  # one lookup for the common header
        if remap is None:
            headers.append(pair)
        elif remap:
            headers.append((f"x-amzn-Remapped-{pair[0]}", pair[1]))
    return headers


def mapped_response_headers(mapped: Mapping[str, str]) -> list[tuple[str, str]]:
    """Method response headers from ``responseParameters`` (HTTP and AWS integrations)."""
    headers: list[tuple[str, str]] = []
    for name, value in mapped.items():
        lower = name.lower()
        if lower in _REMAPPED_MAPPED:
            headers.append((f"x-amzn-Remapped-{name}", value))
        elif lower != "transfer-encoding":
            headers.append((name, value))
    return headers
