"""Gateway responses: how a ``GatewayError`` is answered, exactly as API Gateway REST APIs do it.

``compile_gateway_responses(api)`` runs once per deployment: it checks the API's
customisations and resolves, for every response type, the status code, header mappings and
body templates that apply (the type's own customisation, else the API's DEFAULT_4XX /
DEFAULT_5XX customisation chosen by the type's default status, else AWS's default).
``GatewayResponses.render(error, inputs)`` then only substitutes values.

Gateway-response templates are not VTL: AWS does plain substitution of ``$context.*``,
``$stageVariables.*`` and method request parameters, which ``_template`` implements.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tollway.dataplane.mapping.inputs import TemplateInputs
from tollway.errors import DefinitionError, GatewayError
from tollway.model.api import GatewayResponse, RestApi

# AWS answers front-door errors (routing, keys, throttling, authorizer verdicts) compactly,
# errors raised while executing the method with a space after the colon, and an authorizer
# Deny with a capital "Message". `get-gateway-responses` shows COMPACT for every type, but
# these are the bytes clients actually receive.
COMPACT = '{"message":$context.error.messageString}'
SPACED = '{"message": $context.error.messageString}'
CAPITAL = '{"Message":$context.error.messageString}'
JSON_TYPE = "application/json"


@dataclass(frozen=True, slots=True)
class ResponseType:
    """AWS's defaults for one gateway-response type.

    ``status`` is None for DEFAULT_4XX / DEFAULT_5XX; ``message`` None renders ``null``.
    """

    status: int | None
    message: str | None
    error_type: str
    template: str


RESPONSE_TYPES: dict[str, ResponseType] = {
    "ACCESS_DENIED": ResponseType(
        403, "User is not authorized to access this resource", "AccessDeniedException", CAPITAL
    ),
    "API_CONFIGURATION_ERROR": ResponseType(
        500, "Internal server error", "InternalServerErrorException", SPACED
    ),
    "AUTHORIZER_CONFIGURATION_ERROR": ResponseType(500, None, "AuthorizerConfigurationException", SPACED),
    "AUTHORIZER_FAILURE": ResponseType(500, None, "AuthorizerFailureException", SPACED),
    "BAD_REQUEST_PARAMETERS": ResponseType(
        400, "Missing required request parameters", "BadRequestException", SPACED
    ),
    "BAD_REQUEST_BODY": ResponseType(400, "Invalid request body", "BadRequestException", SPACED),
    "DEFAULT_4XX": ResponseType(None, "Bad Request", "BadRequestException", COMPACT),
    "DEFAULT_5XX": ResponseType(None, "Internal server error", "InternalServerErrorException", SPACED),
    "EXPIRED_TOKEN": ResponseType(
        403, "The security token included in the request is expired", "ExpiredTokenException", COMPACT
    ),
    "INTEGRATION_FAILURE": ResponseType(504, "Internal server error", "InternalServerErrorException", SPACED),
    "INTEGRATION_TIMEOUT": ResponseType(
        504, "Endpoint request timed out", "InternalServerErrorException", SPACED
    ),
    "INVALID_API_KEY": ResponseType(403, "Forbidden", "ForbiddenException", COMPACT),
    "INVALID_SIGNATURE": ResponseType(
        403,
        "The request signature we calculated does not match the signature you provided. "
        "Check your AWS Secret Access Key and signing method. "
        "Consult the service documentation for details.",
        "InvalidSignatureException",
        COMPACT,
    ),
    "MISSING_AUTHENTICATION_TOKEN": ResponseType(
        403, "Missing Authentication Token", "MissingAuthenticationTokenException", COMPACT
    ),
    "QUOTA_EXCEEDED": ResponseType(429, "Limit Exceeded", "LimitExceededException", COMPACT),
    "REQUEST_TOO_LARGE": ResponseType(413, "Request Too Long", "RequestTooLargeException", COMPACT),
    "RESOURCE_NOT_FOUND": ResponseType(404, "Not Found", "ResourceNotFoundException", COMPACT),
    "THROTTLED": ResponseType(429, "Too Many Requests", "TooManyRequestsException", COMPACT),
    "UNAUTHORIZED": ResponseType(401, "Unauthorized", "UnauthorizedException", COMPACT),
    "UNSUPPORTED_MEDIA_TYPE": ResponseType(415, "Unsupported Media Type", "BadRequestException", SPACED),
    "WAF_FILTERED": ResponseType(403, "Forbidden", "ForbiddenException", COMPACT),
}
"""Every gateway-response type AWS exposes, with its defaults."""

NOT_CUSTOMISABLE = frozenset({"REQUEST_TOO_LARGE"})


@dataclass(frozen=True, slots=True)
class Ref:
    """A value a mapping reads: ``kind`` is literal|context|stage|path|querystring|header|params."""

    kind: str
    path: tuple[str, ...]


Template = tuple[str | Ref, ...]

_NAME = r"[A-Za-z0-9_]+"
_PARAM = r"[A-Za-z0-9_.~-]*[A-Za-z0-9_~-]"
_TEMPLATE_VAR = re.compile(
    r"\$\{(?P<braced>[^}]*)\}"
    r"|\$stageVariables\['(?P<quoted>[^']*)'\]"
    rf"|\$(?P<plain>context(?:\.{_NAME})+|stageVariables\.{_NAME}"
    rf"|method\.request\.(?:path|querystring|header)\.{_PARAM})"
)
_PARAM_SOURCES = {"path": "path", "querystring": "querystring", "header": "header"}
_PARAM_KEY = re.compile(r"gatewayresponse\.(header|path|querystring)\.([!#$%&'*+.^_`|~0-9A-Za-z-]+)")
_STATUS = re.compile(r"[1-5]\d\d")


def parse_ref(expr: str) -> Ref | None:
    """Parse a mapping expression (``'x'``, ``context.a.b``, ``method.request.header.X`` ...)."""
    if len(expr) >= 2 and expr[0] == "'" and expr[-1] == "'":
        return Ref("literal", (expr[1:-1],))
    head, _, rest = expr.partition(".")
    if head == "context" and rest and all(rest.split(".")):
        return Ref("context", tuple(rest.split(".")))
    if head == "stageVariables" and rest:
        return Ref("stage", (rest,))
    parts = expr.split(".", 3)
    if len(parts) == 4 and parts[:2] == ["method", "request"] and parts[2] in _PARAM_SOURCES and parts[3]:
        return Ref(_PARAM_SOURCES[parts[2]], (parts[3],))
    if len(parts) == 4 and parts[:3] == ["method", "input", "params"] and parts[3]:
        return Ref("params", (parts[3],))  # the form AWS's own OpenAPI example uses
    return None


def compile_template(text: str) -> Template:
    """Split a gateway-response template into literal text and references, once."""
    parts: list[str | Ref] = []
    pos = 0
    for match in _TEMPLATE_VAR.finditer(text):
        if match["braced"] is not None:
            ref = parse_ref(match["braced"].strip())
        elif match["quoted"] is not None:
            ref = Ref("stage", (match["quoted"],))
        else:
            ref = parse_ref(match["plain"])
        if ref is None or ref.kind == "literal":
            continue  # not a variable AWS substitutes: leave the text as written
        parts.extend((text[pos : match.start()], ref))
        pos = match.end()
    parts.append(text[pos:])
    return tuple(p for p in parts if p != "")


def resolve(ref: Ref, context: Mapping[str, Any], inputs: TemplateInputs) -> str | None:
    """The text a reference stands for in this request; None when it has no value."""
    if ref.kind == "literal":
        return ref.path[0]
    if ref.kind == "context":
        value: Any = context
        for key in ref.path:
            if not isinstance(value, Mapping) or key not in value:
                return None
            value = value[key]
        return _text(value)
    name = ref.path[0]
    if ref.kind == "stage":
        return inputs.stage_variables.get(name)
    if ref.kind == "header":
        return _header(inputs.headers, name)
    if ref.kind == "path":
        return inputs.path_params.get(name)
    if ref.kind == "querystring":
        return inputs.querystring.get(name)
    # "params" searches like $input.params(x): path, then query string, then header
    for found in (inputs.path_params.get(name), inputs.querystring.get(name)):
        if found is not None:
            return found
    return _header(inputs.headers, name)


def render_template(template: Template, context: Mapping[str, Any], inputs: TemplateInputs) -> str:
    """Substitute every reference; one with no value renders as empty text."""
    return "".join(p if isinstance(p, str) else resolve(p, context, inputs) or "" for p in template)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    if name in headers:
        return headers[name]
    lowered = name.lower()
    return next((v for k, v in headers.items() if k.lower() == lowered), None)


@dataclass(frozen=True, slots=True)
class RenderedResponse:
    """A gateway response ready to send."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes


@dataclass(frozen=True, slots=True)
class _Plan:
    status: int | None  # None: the error's own status code
    headers: tuple[tuple[str, Ref], ...]
    templates: tuple[tuple[str, Template], ...]  # never empty; application/json first if present


class GatewayResponses:
    """The gateway responses of one deployment, resolved for every response type."""

    def __init__(self, plans: dict[str, _Plan]) -> None:
        self._plans = plans

    def render(self, error: GatewayError, inputs: TemplateInputs) -> RenderedResponse:
        """Answer ``error`` as AWS would, with this API's customisations applied."""
        rtype = _response_type(error)
        plan = self._plans[rtype]
        context = _error_context(error, rtype, inputs)
        content_type, template = _pick_template(plan.templates, _header(inputs.headers, "Accept"))
        body = render_template(template, context, inputs).encode("utf-8")
        headers = [("Content-Type", content_type)]
        for name, ref in plan.headers:
            value = resolve(ref, context, inputs)
            if value is None:
                continue
            if name.lower() == "content-type":
                headers[0] = (name, value)
            else:
                headers.append((name, value))
        headers.append(("x-amzn-ErrorType", _error_type(error, rtype)))
        return RenderedResponse(plan.status or error.status_code, headers, body)


def compile_gateway_responses(api: RestApi) -> GatewayResponses:
    """Check the API's gateway responses and resolve what each response type renders.

    Raises ``DefinitionError`` (location ``gatewayResponses/<type>``) for an unknown type, a
    status code that is not ``[1-5]XX``, a header key that is not ``gatewayresponse.header.X``,
    an unusable mapping expression or a template keyed by something that is not a media type.
    """
    source = f"api {api.name}"
    custom = {gr.response_type: _compile_custom(gr, source) for gr in api.gateway_responses}
    plans: dict[str, _Plan] = {}
    for rtype, info in RESPONSE_TYPES.items():
        default = _Plan(None, (), ((JSON_TYPE, compile_template(info.template)),))
        if rtype in NOT_CUSTOMISABLE:
            plans[rtype] = default
            continue
        fallback = None
        if info.status is not None:
            fallback = custom.get("DEFAULT_5XX" if info.status >= 500 else "DEFAULT_4XX")
        own = custom.get(rtype)
        chosen = own or fallback
        if chosen is None:
            plans[rtype] = default
            continue
        status = chosen.status or (fallback.status if fallback else None)
        templates = chosen.templates or default.templates
        plans[rtype] = _Plan(status, chosen.headers, templates)
    return GatewayResponses(plans)


def _compile_custom(gr: GatewayResponse, source: str) -> _Plan:
    location = f"gatewayResponses/{gr.response_type}"
    if gr.response_type not in RESPONSE_TYPES:
        raise DefinitionError(
            source, location, f"unknown gateway response type; expected one of {', '.join(RESPONSE_TYPES)}"
        )
    status = None
    if gr.status_code is not None:
        if not _STATUS.fullmatch(str(gr.status_code)):
            raise DefinitionError(
                source, location, f"statusCode {gr.status_code!r} is not an HTTP status 1XX-5XX"
            )
        status = int(gr.status_code)
    compiled = (_compile_param(key, expr, source, location) for key, expr in gr.response_parameters.items())
    headers = tuple(param for param in compiled if param is not None)
    templates: list[tuple[str, Template]] = []
    for media_type, text in gr.response_templates.items():
        if "/" not in media_type or not isinstance(text, str):
            raise DefinitionError(
                source, f"{location}/responseTemplates", f"{media_type!r} must map a media type to a template"
            )
        templates.append((media_type.strip().lower(), compile_template(text)))
    templates.sort(key=lambda item: item[0] != JSON_TYPE)
    return _Plan(status, headers, tuple(templates))


def _compile_param(key: str, expr: object, source: str, location: str) -> tuple[str, Ref] | None:
    """A header mapping; ``gatewayresponse.path|querystring.NAME`` (which AWS accepts and SAM
    generates, but which a response has no place for) is validated and then dropped."""
    match = _PARAM_KEY.fullmatch(key)
    if match is None:
        raise DefinitionError(
            source,
            f"{location}/responseParameters",
            f"{key!r} is not of the form gatewayresponse.header|path|querystring.NAME",
        )
    ref = parse_ref(expr.strip()) if isinstance(expr, str) else None
    if ref is None:
        raise DefinitionError(
            source,
            f"{location}/responseParameters/{key}",
            f"{expr!r} is not a mapping expression ('literal', method.request.header|querystring|path.NAME, "
            "stageVariables.NAME or context.NAME)",
        )
    return (match[2], ref) if match[1] == "header" else None


def _response_type(error: GatewayError) -> str:
    if error.response_type in RESPONSE_TYPES:
        return error.response_type
    return "DEFAULT_5XX" if error.status_code >= 500 else "DEFAULT_4XX"


def _error_type(error: GatewayError, rtype: str) -> str:
    own = getattr(error, "error_type", None)
    return own if isinstance(own, str) else RESPONSE_TYPES[rtype].error_type


def _error_context(error: GatewayError, rtype: str, inputs: TemplateInputs) -> dict[str, Any]:
    """``$context`` with ``error.*`` filled in from the error being answered."""
    is_null = getattr(error, "message_is_null", False) is True
    previous = inputs.context.get("error")
    error_vars = dict(previous) if isinstance(previous, Mapping) else {}
    error_vars.update(
        message=error.message,
        messageString="null" if is_null else json.dumps(error.message, ensure_ascii=False),
        responseType=rtype,
    )
    error_vars.setdefault("validationErrorString", "")
    return {**inputs.context, "error": error_vars}


def _pick_template(templates: tuple[tuple[str, Template], ...], accept: str | None) -> tuple[str, Template]:
    """The template for the client's first Accept media type, else application/json, else the first."""
    if accept:
        wanted = accept.split(",", 1)[0].split(";", 1)[0].strip().lower()
        for media_type, template in templates:
            if media_type == wanted:
                return media_type, template
    return templates[0]
