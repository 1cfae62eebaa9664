"""Compile a deployment once into the frozen snapshot the data plane serves.

Everything the hot path needs is prepared here: the route index, compiled mapping
templates and parameter mappings, selection-pattern regexes, gateway responses, the
binary media types, and the integration URIs with stage variables substituted.

Compiled templates and gateway responses are immutable, so stages compiled together share
them through one ``CompileCache``: a thousand APIs with the same MOCK template parse it once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import ClassVar, Literal, NamedTuple

from tollway.auth.policy import Policy, PolicyError, compile_policy
from tollway.dataplane.authorizers.compile import compile_authorizers
from tollway.dataplane.authorizers.methods import NO_AUTH, MethodAuth, method_auth
from tollway.dataplane.gateway_responses import GatewayResponses, compile_gateway_responses
from tollway.dataplane.integrations.headers import refused_mapping
from tollway.dataplane.integrations.kinds import HTTP, HTTP_PROXY, KINDS, MOCK, IntegrationKind
from tollway.dataplane.integrations.mock import mock_status
from tollway.dataplane.mapping.binary import BinaryTypes
from tollway.dataplane.mapping.params import (
    RequestParameterMapper,
    ResponseParameterMapper,
    compile_request_parameters,
    compile_response_parameters,
)
from tollway.dataplane.mapping.vtl import CompiledTemplate, TemplateError, compile_template
from tollway.dataplane.routing.index import RouteIndex
from tollway.dataplane.validation.rules import RequestCheck, compile_validation
from tollway.errors import ApiConfigurationError, DefinitionError
from tollway.functions.runtime.arn import function_from_uri
from tollway.model import Deployment, Integration, IntegrationResponse, Method, MethodSetting, RestApi, Stage
from tollway.model.account import ACCOUNT_ID, REGION
from tollway.model.ids import resource_id
from tollway.state.base import Bucket
from tollway.state.local_bucket import ACCOUNT_BURST_LIMIT, ACCOUNT_RATE_LIMIT

JSON = "application/json"
_HEADER_TARGET = "method.response.header."
_STAGE_VAR = re.compile(r"\$\{stageVariables\.([A-Za-z0-9_]+)\}")

PassthroughBehavior = Literal["WHEN_NO_MATCH", "WHEN_NO_TEMPLATES", "NEVER"]
PASSTHROUGH_BEHAVIORS: tuple[PassthroughBehavior, ...] = ("WHEN_NO_MATCH", "WHEN_NO_TEMPLATES", "NEVER")
ApiKeySource = Literal["HEADER", "AUTHORIZER"]
"""Integration types this data plane serves (AWS and AWS_PROXY: Lambda functions only)."""


@dataclass(frozen=True, slots=True)
class CompiledResponse:
    """An integration response ready to apply."""

    status: int
    pattern: re.Pattern[str] | None
    parameters: ResponseParameterMapper | None
    templates: dict[str, CompiledTemplate]
    content_handling: str | None
    literal_headers: tuple[tuple[str, str], ...] | None = None
    """The header mappings when every one is a ``'literal'`` (None when one reads the request)."""


@dataclass(frozen=True, slots=True)
class StaticResponse:
    """A whole answer known at deploy time (a MOCK method whose templates are constants, like
    the CORS preflight SAM generates): the request path skips mapping and integration."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


@dataclass(frozen=True, slots=True)
class CompiledMethod:
    """One method of one resource, compiled."""

    http_method: str
    resource_path: str
    resource_id: str
    method: Method
    integration: Integration | None
    kind: IntegrationKind | None
    """What the integration's type does on both sides of its transport (``kinds``); None
    when the method has no integration tollway serves (``config_error`` says why)."""
    config_error: str | None
    """Why this method cannot be served (answered as a 500 configuration error)."""
    uri: str = ""
    """Integration URI with stage variables substituted (path parameters stay); for Lambda
    integrations the function to invoke, ``NAME`` or ``NAME:QUALIFIER``."""
    integration_verb: str | None = None
    """The integration request's HTTP method, upper-cased; None for the client's (no
    ``httpMethod``, or ``ANY``)."""
    passthrough: PassthroughBehavior = "WHEN_NO_MATCH"
    """What a request whose content type has no template gets (``passthroughBehavior``)."""
    request_parameters: RequestParameterMapper | None = None
    request_templates: dict[str, CompiledTemplate] = field(default_factory=dict)
    responses: tuple[CompiledResponse, ...] = ()
    default_response: CompiledResponse | None = None
    static: StaticResponse | None = None
    """The answer to a JSON (or body-less) request, when it cannot depend on the request."""
    stage_bucket: Bucket | None = None
    """The stage's throttle of this method (its method setting, else ``*/*``), if it has one."""
    auth: MethodAuth = NO_AUTH
    """How the method authorizes callers (``authorizationType`` and its authorizer)."""
    validation: RequestCheck | None = None
    """The request validator's checks (required parameters, body model), if any."""

    @property
    def proxy(self) -> bool:
        return self.kind is not None and self.kind.proxy

    def select(self, selector: str | None) -> CompiledResponse:
        """The integration response whose ``selectionPattern`` matches ``selector``, else the
        default. AWS matches the whole string (Java ``matches``); a successful Lambda
        invocation (selector None) always takes the default. No match and no default is an
        API configuration error (500 "Internal server error")."""
        if selector is not None:
            for response in self.responses:
                assert response.pattern is not None
                if response.pattern.fullmatch(selector):
                    return response
        if self.default_response is None:
            raise ApiConfigurationError(detail=f"no integration response matches {selector!r} and no default")
        return self.default_response


@dataclass(frozen=True, slots=True)
class ServedStage:
    """A stage of an API as the data plane serves it: immutable, swapped atomically."""

    api_kind: ClassVar[str] = "REST"
    api: RestApi
    stage: Stage
    routes: RouteIndex[CompiledMethod]
    gateway_responses: GatewayResponses
    binary: BinaryTypes
    resource_ids: dict[str, str]
    policy: Policy | None = None
    """The API's resource policy, compiled (``x-amazon-apigateway-policy``, ``Policy``)."""
    api_key_source: ApiKeySource = "HEADER"
    """Where ``apiKeyRequired`` methods find the key: ``x-api-key``, or the authorizer's
    ``usageIdentifierKey``."""

    @property
    def api_id(self) -> str:
        return self.api.id

    @property
    def name(self) -> str:
        return self.stage.name


class CompileCache:
    """What stages compiled together share: mapping templates by their text, and gateway
    responses by the API's customisations (both immutable once compiled, so safe to share).

    Only successes are kept: a template or gateway response that fails raises again, naming
    the place of the stage that has it. One cache serves one build of the served world
    (``tollway.launcher.compile_served``); dropping it keeps nothing of what it compiled alive.
    """

    __slots__ = ("_gateway_responses", "_templates")

    def __init__(self) -> None:
        self._templates: dict[str, CompiledTemplate] = {}
        self._gateway_responses: dict[str, GatewayResponses] = {}

    def template(self, source: str) -> CompiledTemplate:
        compiled = self._templates.get(source)
        if compiled is None:
            compiled = self._templates[source] = compile_template(source)
        return compiled

    def gateway_responses(self, api: RestApi) -> GatewayResponses:
        # They depend on the customisations alone (the API's name only appears in errors). The
        # dataclass repr shows every field, strings quoted: equal reprs are equal values.
        key = repr(api.gateway_responses)
        compiled = self._gateway_responses.get(key)
        if compiled is None:
            compiled = self._gateway_responses[key] = compile_gateway_responses(api)
        return compiled


class _Access(NamedTuple):
    """What a method's stage and authorizers add to it: its throttle, auth and validation."""

    stage_bucket: Bucket | None
    auth: MethodAuth
    validation: RequestCheck | None


def stage_bucket(stage: Stage, resource_path: str, verb: str) -> Bucket | None:
    """The token bucket the stage's method settings give one method, or None.

    AWS applies stage throttling per method: ``*/*`` is every method's default (each method
    its own bucket), ``{path}/{VERB}`` overrides it, one value at a time; a value set at
    neither level (or set negative, which the console shows as "no limit") is the account
    default (10,000 rps, burst 5,000)."""
    settings = stage.method_settings
    levels = (
        settings.get(f"{resource_path}/{verb}"),
        settings.get(f"{resource_path}/*"),
        settings.get("*/*"),
    )
    return settings_bucket(f"s:{stage.api_id}:{stage.name}:{resource_path}/{verb}", levels)


def settings_bucket(key: str, levels: Sequence[MethodSetting | None]) -> Bucket | None:
    """The bucket of throttle settings given from the most to the least specific level, each
    value taken from the first level that sets it (a negative one counting as unset), the
    account's for a value no level sets; None when no level sets either."""
    rates = [level.throttling_rate_limit for level in levels if level is not None]
    bursts = [level.throttling_burst_limit for level in levels if level is not None]
    rate = next((value for value in rates if value is not None and value >= 0), None)
    burst = next((value for value in bursts if value is not None and value >= 0), None)
    if rate is None and burst is None:
        return None
    return Bucket(
        key,
        ACCOUNT_RATE_LIMIT if rate is None else rate,
        ACCOUNT_BURST_LIMIT if burst is None else burst,
    )


def compile_stage(stage: Stage, deployment: Deployment, cache: CompileCache | None = None) -> ServedStage:
    """Compile ``deployment`` as served by ``stage``; a bad template raises DefinitionError.
    ``cache`` shares templates with the other stages compiled with it (a new one if None)."""
    cache = CompileCache() if cache is None else cache
    api = deployment.api
    source = f"api {api.name!r} ({api.id}) stage {stage.name!r}"
    routes: dict[str, dict[str, CompiledMethod]] = {}
    resource_ids: dict[str, str] = {}
    authorizers = compile_authorizers(api, source)
    for resource in api.resources:
        rid = resource_id(api.id, resource.path)
        resource_ids[resource.path] = rid
        compiled: dict[str, CompiledMethod] = {}
        for verb, method in resource.methods.items():
            where = f"/paths/{_pointer(resource.path)}/{verb.lower()}"

            def access(
                path: str = resource.path, verb: str = verb, method: Method = method, where: str = where
            ) -> _Access:
                return _Access(
                    stage_bucket(stage, path, verb),
                    method_auth(method, authorizers, source, where),
                    compile_validation(api, method),
                )

            try:
                compiled[verb] = _with_static(
                    _compile_method(resource.path, rid, verb, method, stage.variables, cache, access), api
                )
            except TemplateError as exc:
                raise DefinitionError(source, where, str(exc)) from None
        routes[resource.path] = compiled
    return ServedStage(
        api=api,
        stage=stage,
        routes=RouteIndex(routes),
        gateway_responses=cache.gateway_responses(api),
        binary=BinaryTypes(api.binary_media_types),
        resource_ids=resource_ids,
        policy=_resource_policy(api, source),
        api_key_source="AUTHORIZER" if api.api_key_source.upper() == "AUTHORIZER" else "HEADER",
    )


def _resource_policy(api: RestApi, source: str) -> Policy | None:
    if not api.policy:
        return None
    try:
        return compile_policy(api.policy, api_arn=f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{api.id}")
    except PolicyError as exc:
        raise DefinitionError(source, "policy", f"bad resource policy: {exc}") from None


def _compile_method(
    path: str,
    rid: str,
    verb: str,
    method: Method,
    variables: Mapping[str, str],
    cache: CompileCache,
    access: Callable[[], _Access],
) -> CompiledMethod:
    """The method with every field given at once (``dataclasses.replace`` of a method this
    wide cost a fifth of compiling a MOCK stage). ``access`` runs after the templates are
    compiled, so a method with a bad template and a bad authorizer names the template."""
    integration = method.integration
    if integration is None:
        checks = access()
        return CompiledMethod(
            verb,
            path,
            rid,
            method,
            None,
            None,
            "No integration defined for method",
            stage_bucket=checks.stage_bucket,
            auth=checks.auth,
            validation=checks.validation,
        )
    type_name = integration.type.upper()
    kind = KINDS.get(type_name)
    error = None
    if kind is None:
        error = f"Integration type {type_name} is not served yet (uri {integration.uri!r})"
    uri = substitute_stage_variables(integration.uri or "", variables)
    undefined = sorted(set(_STAGE_VAR.findall(integration.uri or "")) - set(variables))
    if undefined:  # AWS answers 500 Internal server error; the URI is never called
        error = f"Integration URI uses undefined stage variables {undefined} ({integration.uri!r})"
    if kind in (HTTP, HTTP_PROXY) and not uri.startswith(("http://", "https://")):
        error = error or f"Invalid endpoint address {uri!r}"
    if kind is not None and kind.lambda_target and error is None:
        function = function_from_uri(uri)
        if function is None:
            error = f"AWS service integrations are not served yet (uri {uri!r})"
        elif kind.proxy and (integration.http_method or "POST").upper() != "POST":
            error = "Lambda proxy integrations must use httpMethod POST"  # AWS answers 500
        else:
            uri = str(function)
    error = error or refused_mapping(type_name, integration.request_parameters)
    verb_upper = (integration.http_method or "").upper()
    responses = tuple(_compile_response(r, cache) for r in integration.responses)
    default = next((r for r in responses if r.pattern is None), None)
    request_parameters = (
        compile_request_parameters(integration.request_parameters) if integration.request_parameters else None
    )
    request_templates = _compile_templates(integration.request_templates, cache)
    checks = access()
    return CompiledMethod(
        http_method=verb,
        resource_path=path,
        resource_id=rid,
        method=method,
        integration=integration,
        kind=kind,
        config_error=error,
        uri=uri,
        integration_verb=verb_upper if verb_upper not in ("", "ANY") else None,
        passthrough=next(
            (b for b in PASSTHROUGH_BEHAVIORS if b == integration.passthrough_behavior.upper()),
            "WHEN_NO_MATCH",
        ),
        request_parameters=request_parameters,
        request_templates=request_templates,
        responses=tuple(r for r in responses if r.pattern is not None),
        default_response=default,
        stage_bucket=checks.stage_bucket,
        auth=checks.auth,
        validation=checks.validation,
    )


def _compile_response(response: IntegrationResponse, cache: CompileCache) -> CompiledResponse:
    pattern = response.selection_pattern
    compiled_pattern = None
    if pattern not in (None, ""):
        try:
            compiled_pattern = re.compile(pattern, re.DOTALL)
        except re.error as exc:
            raise TemplateError(f"invalid selectionPattern {pattern!r}: {exc}") from None
    try:
        status = int(response.status_code)
    except ValueError:
        raise TemplateError(f"invalid integration response statusCode {response.status_code!r}") from None
    literals = tuple(
        (target[len(_HEADER_TARGET) :], source[1:-1])
        for target, source in response.response_parameters.items()
        if target.startswith(_HEADER_TARGET) and len(source) >= 2 and source[0] == source[-1] == "'"
    )
    return CompiledResponse(
        literal_headers=literals if len(literals) == len(response.response_parameters) else None,
        status=status,
        pattern=compiled_pattern,
        parameters=(
            compile_response_parameters(response.response_parameters)
            if response.response_parameters
            else None
        ),
        templates=_compile_templates(response.response_templates, cache),
        content_handling=response.content_handling,
    )


def _with_static(method: CompiledMethod, api: RestApi) -> CompiledMethod:
    """``method`` with its StaticResponse, when MOCK makes the answer a constant."""
    if method.kind is not MOCK or method.config_error or method.request_parameters or api.binary_media_types:
        return method
    template = method.request_templates.get(JSON)
    if set(method.request_templates) - {JSON} or (template is not None and template.constant is None):
        return method
    status = mock_status(template.constant.encode() if template and template.constant else b"")
    try:
        chosen = method.select(str(status))
    except ApiConfigurationError:
        return method
    body_template = chosen.templates.get(JSON)
    if chosen.literal_headers is None or set(chosen.templates) - {JSON}:
        return method
    if body_template is not None and body_template.constant is None:
        return method
    headers = chosen.literal_headers
    if not any(name.lower() == "content-type" for name, _ in headers):
        headers = (*headers, ("Content-Type", JSON))
    body = body_template.constant.encode() if body_template and body_template.constant else b""
    return replace(method, static=StaticResponse(chosen.status, headers, body))


def _compile_templates(templates: Mapping[str, str], cache: CompileCache) -> dict[str, CompiledTemplate]:
    """Templates keyed by lower-cased media type (requests choose them case-insensitively)."""
    return {media_type.lower(): cache.template(text) for media_type, text in templates.items()}


def substitute_stage_variables(text: str, variables: Mapping[str, str]) -> str:
    """Replace ``${stageVariables.name}`` (an unknown name becomes empty; an integration URI
    with one is refused by ``_compile_method``)."""
    if "${stageVariables." not in text:
        return text
    return _STAGE_VAR.sub(lambda m: variables.get(m.group(1), ""), text)


def _pointer(path: str) -> str:
    return path.replace("~", "~0").replace("/", "~1")
