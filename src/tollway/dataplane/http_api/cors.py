"""An HTTP API's CORS configuration, compiled once: the preflight answer and the headers
added to every other response.

AWS ("Configure CORS for HTTP APIs in API Gateway"):

* with CORS configured, API Gateway answers preflight ``OPTIONS`` requests itself, even
  without an ``OPTIONS`` route, and adds the configured CORS headers to the integration's
  response; CORS headers the integration returns are ignored (``strip_cors_headers``);
* a request gets CORS headers only with an ``Origin`` header; an ``OPTIONS`` request is a
  preflight only with ``Origin`` and ``Access-Control-Request-Method`` (``preflight`` returns
  None otherwise: the request is routed like any other);
* ``allowOrigins`` holds origins (``https://www.example.com``), ``*`` (any origin), or
  ``https://*`` / ``http://*`` (any origin beginning with that scheme);
* ``allowMethods``, ``allowHeaders`` and ``exposeHeaders`` may hold ``*``;
* ``allowCredentials`` with a ``*`` origin is refused when the API is saved, with AWS's
  message "allow-credentials is not supported if 'allow-origin' is *" (``compile_cors``
  raises ``ValueError`` with it);
* a ``$default`` route catches ``OPTIONS`` requests too, its authorizer included (AWS's advice
  for an authorized ``$default`` is an ``OPTIONS /{proxy+}`` route without authorization), so
  what AWS answers itself is a preflight that no explicit route takes. ``preflight`` says what
  the answer is (status 204, no body, no integration call); when to give it is the pipeline's
  decision.

Which header goes where, as the Fetch standard's CORS protocol places them:
``Access-Control-Allow-Origin`` and ``-Allow-Credentials`` on both; ``-Allow-Methods``,
``-Allow-Headers`` and ``-Max-Age`` on the preflight only; ``-Expose-Headers`` on the actual
response only. Names are lower case, as HTTP API responses spell theirs (``apigw-requestid``).

Decided where AWS documents nothing:

* an origin matches case-insensitively (scheme and host are, RFC 6454; browsers send them
  lower case), and the answer echoes the request's ``Origin``; with ``*`` configured the
  answer is ``*`` (never combined with credentials, which AWS refuses);
* a ``*`` inside a pattern stands for one character or more, so besides AWS's documented
  ``https://*``, ``https://*.example.com`` allows every subdomain (and not the bare domain);
* a preflight AWS would not allow (origin, method or a requested header not allowed) is still
  answered 204, with no CORS headers at all: the browser then refuses the actual request.
  ``preflight`` returns an empty list for it;
* a requested method is allowed when ``allowMethods`` names it (case-insensitively) or holds
  ``*``; a requested header when ``allowHeaders`` names it (case-insensitively) or holds ``*``;
* with ``*`` in ``allowMethods`` the preflight answers the requested method, and with ``*``
  in ``allowHeaders`` the requested headers: unlike a literal ``*``, that also holds for
  credentialed requests, where browsers read ``*`` as a header name;
* lists are joined with ``,`` as configured; ``Access-Control-Max-Age`` appears only when
  ``maxAge`` is set; no ``Vary`` header is added.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from tollway.model.http_api import CorsConfiguration

ALLOW_ORIGIN: Final = "access-control-allow-origin"
ALLOW_CREDENTIALS: Final = "access-control-allow-credentials"
ALLOW_METHODS: Final = "access-control-allow-methods"
ALLOW_HEADERS: Final = "access-control-allow-headers"
EXPOSE_HEADERS: Final = "access-control-expose-headers"
MAX_AGE: Final = "access-control-max-age"

CREDENTIALS_WITH_ANY_ORIGIN: Final = "allow-credentials is not supported if 'allow-origin' is *"
"""AWS's message (``BadRequestException``) for ``allowCredentials`` with a ``*`` origin."""


@dataclass(frozen=True, slots=True)
class _Pattern:
    """An ``allowOrigins`` entry with ``*`` in it: what comes before and after the star."""

    prefix: str
    suffix: str

    def matches(self, origin: str) -> bool:
        return (
            len(origin) > len(self.prefix) + len(self.suffix)
            and origin.startswith(self.prefix)
            and origin.endswith(self.suffix)
        )


@dataclass(frozen=True, slots=True)
class CompiledCors:
    """A ``CorsConfiguration`` ready for requests; build it with ``compile_cors``."""

    any_origin: bool
    origins: frozenset[str]
    """Exact origins, lower-cased."""
    patterns: tuple[_Pattern, ...]
    any_method: bool
    methods: frozenset[str]
    """Upper-cased."""
    methods_value: str
    any_header: bool
    headers: frozenset[str]
    """Lower-cased."""
    headers_value: str
    credentials: tuple[tuple[str, str], ...]
    """``(ALLOW_CREDENTIALS, "true")``, or nothing."""
    max_age: tuple[tuple[str, str], ...]
    """``(MAX_AGE, seconds)``, or nothing."""
    expose: tuple[tuple[str, str], ...]
    """``(EXPOSE_HEADERS, list)``, or nothing."""

    def allowed_origin(self, origin: str) -> str | None:
        """The ``Access-Control-Allow-Origin`` value for ``origin``, or None if not allowed."""
        if self.any_origin:
            return "*"
        folded = origin.lower()
        if folded in self.origins:
            return origin
        for pattern in self.patterns:
            if pattern.matches(folded):
                return origin
        return None

    def preflight(
        self, origin: str | None, request_method: str | None, request_headers: str | None
    ) -> list[tuple[str, str]] | None:
        """The headers of the 204 answering a preflight, or None if the request is not one.

        ``origin``, ``request_method`` and ``request_headers`` are the request's ``Origin``,
        ``Access-Control-Request-Method`` and ``Access-Control-Request-Headers`` (None when
        absent). An empty list: a preflight answered without CORS headers (not allowed).
        """
        if origin is None or request_method is None:
            return None
        allow_origin = self.allowed_origin(origin)
        if allow_origin is None:
            return []
        method = request_method.strip()
        if not self.any_method and method.upper() not in self.methods:
            return []
        requested = _header_names(request_headers)
        if requested and not self.any_header and not self.headers.issuperset(n.lower() for n in requested):
            return []
        answer = [(ALLOW_ORIGIN, allow_origin), *self.credentials]
        if self.any_method:
            answer.append((ALLOW_METHODS, method))
        elif self.methods_value:
            answer.append((ALLOW_METHODS, self.methods_value))
        if self.any_header:
            if requested:
                answer.append((ALLOW_HEADERS, ",".join(requested)))
        elif self.headers_value:
            answer.append((ALLOW_HEADERS, self.headers_value))
        answer.extend(self.max_age)
        return answer

    def response_headers(self, origin: str | None) -> list[tuple[str, str]]:
        """The CORS headers added to a response that is not a preflight's (none without an
        allowed ``Origin``)."""
        if origin is None:
            return []
        allow_origin = self.allowed_origin(origin)
        if allow_origin is None:
            return []
        return [(ALLOW_ORIGIN, allow_origin), *self.credentials, *self.expose]


def compile_cors(config: CorsConfiguration) -> CompiledCors:
    """``config`` compiled; ``ValueError`` with AWS's message for a configuration AWS refuses."""
    origins = [origin.strip() for origin in config.allow_origins if origin.strip()]
    any_origin = "*" in origins
    if any_origin and config.allow_credentials:
        raise ValueError(CREDENTIALS_WITH_ANY_ORIGIN)
    exact = frozenset(origin.lower() for origin in origins if "*" not in origin)
    patterns = tuple(_pattern(origin) for origin in origins if "*" in origin and origin != "*")
    methods = _clean(config.allow_methods)
    headers = _clean(config.allow_headers)
    expose = _clean(config.expose_headers)
    return CompiledCors(
        any_origin=any_origin,
        origins=exact,
        patterns=patterns,
        any_method="*" in methods,
        methods=frozenset(method.upper() for method in methods),
        methods_value=",".join(methods),
        any_header="*" in headers,
        headers=frozenset(header.lower() for header in headers),
        headers_value=",".join(headers),
        credentials=((ALLOW_CREDENTIALS, "true"),) if config.allow_credentials else (),
        max_age=((MAX_AGE, str(config.max_age)),) if config.max_age is not None else (),
        expose=((EXPOSE_HEADERS, ",".join(expose)),) if expose else (),
    )


def strip_cors_headers(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """``headers`` without the ``Access-Control-*`` ones: with CORS configured, AWS ignores
    those an integration returns."""
    return [(name, value) for name, value in headers if not name.lower().startswith("access-control-")]


def _pattern(origin: str) -> _Pattern:
    prefix, _, suffix = origin.lower().partition("*")
    return _Pattern(prefix, suffix)


def _clean(values: Iterable[str]) -> list[str]:
    return [value.strip() for value in values if value.strip()]


def _header_names(value: str | None) -> list[str]:
    if not value:
        return []
    return [name.strip() for name in value.split(",") if name.strip()]
