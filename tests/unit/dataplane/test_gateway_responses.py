"""Gateway responses as Amazon API Gateway REST APIs render them."""

from __future__ import annotations

import pytest

from tollway import errors
from tollway.dataplane.gateway_responses import (
    RESPONSE_TYPES,
    GatewayResponses,
    compile_gateway_responses,
)
from tollway.dataplane.mapping.inputs import TemplateInputs
from tollway.errors import DefinitionError, GatewayError
from tollway.model.api import GatewayResponse, RestApi


def compiled(*responses: GatewayResponse) -> GatewayResponses:
    return compile_gateway_responses(RestApi(id="a1b2c3", name="Pets", gateway_responses=responses))


def render(error: GatewayError, *responses: GatewayResponse, inputs: TemplateInputs | None = None):
    return compiled(*responses).render(error, inputs or TemplateInputs())


DEFAULTS = [
    (
        errors.MissingAuthenticationToken(),
        403,
        b'{"message":"Missing Authentication Token"}',
        "MissingAuthenticationTokenException",
    ),
    (errors.ResourceNotFound(), 404, b'{"message":"Not Found"}', "ResourceNotFoundException"),
    (errors.RequestTooLarge(), 413, b'{"message":"Request Too Long"}', "RequestTooLargeException"),
    (errors.UnsupportedMediaType(), 415, b'{"message": "Unsupported Media Type"}', "BadRequestException"),
    (
        errors.BadRequestParameters("Missing required request parameters: [x-header-param, issuer, qs1]"),
        400,
        b'{"message": "Missing required request parameters: [x-header-param, issuer, qs1]"}',
        "BadRequestException",
    ),
    (errors.BadRequestBody(), 400, b'{"message": "Invalid request body"}', "BadRequestException"),
    (
        errors.ApiConfigurationError(),
        500,
        b'{"message": "Internal server error"}',
        "InternalServerErrorException",
    ),
    (
        errors.IntegrationFailure(),
        504,
        b'{"message": "Internal server error"}',
        "InternalServerErrorException",
    ),
    (
        errors.IntegrationTimeout(),
        504,
        b'{"message": "Endpoint request timed out"}',
        "InternalServerErrorException",
    ),
    (
        errors.AccessDenied(),
        403,
        b'{"Message":"User is not authorized to access this resource"}',
        "AccessDeniedException",
    ),
    (errors.Unauthorized(), 401, b'{"message":"Unauthorized"}', "UnauthorizedException"),
    (errors.InvalidApiKey(), 403, b'{"message":"Forbidden"}', "ForbiddenException"),
    (errors.Throttled(), 429, b'{"message":"Too Many Requests"}', "TooManyRequestsException"),
    (errors.QuotaExceeded(), 429, b'{"message":"Limit Exceeded"}', "LimitExceededException"),
    (
        errors.ExpiredToken(),
        403,
        b'{"message":"The security token included in the request is expired"}',
        "ExpiredTokenException",
    ),
    (
        errors.InvalidSignature(),
        403,
        b'{"message":"The request signature we calculated does not match the signature you provided. '
        b"Check your AWS Secret Access Key and signing method. "
        b'Consult the service documentation for details."}',
        "InvalidSignatureException",
    ),
    (errors.WafFiltered(), 403, b'{"message":"Forbidden"}', "ForbiddenException"),
    (errors.AuthorizerFailure(), 500, b'{"message": null}', "AuthorizerFailureException"),
    (
        errors.AuthorizerConfigurationError(),
        500,
        b'{"message": null}',
        "AuthorizerConfigurationException",
    ),
    (errors.BadRequest(), 400, b'{"message":"Bad Request"}', "BadRequestException"),
    (GatewayError(), 500, b'{"message": "Internal server error"}', "InternalServerErrorException"),
]


@pytest.mark.parametrize(("error", "status", "body", "error_type"), DEFAULTS, ids=lambda v: str(v)[:30])
def test_default_gateway_response_matches_aws_bytes(
    error: GatewayError, status: int, body: bytes, error_type: str
) -> None:
    """With no customisation AWS answers the type's status, its exact default body, JSON, x-amzn-ErrorType."""
    rendered = render(error)
    assert (rendered.status, rendered.body) == (status, body)
    assert rendered.headers == [("Content-Type", "application/json"), ("x-amzn-ErrorType", error_type)]


def test_every_aws_response_type_is_in_the_table_and_rendered() -> None:
    covered = {e.response_type for e, *_ in DEFAULTS}
    assert (
        set(RESPONSE_TYPES)
        == covered
        == {
            "ACCESS_DENIED",
            "API_CONFIGURATION_ERROR",
            "AUTHORIZER_CONFIGURATION_ERROR",
            "AUTHORIZER_FAILURE",
            "BAD_REQUEST_PARAMETERS",
            "BAD_REQUEST_BODY",
            "DEFAULT_4XX",
            "DEFAULT_5XX",
            "EXPIRED_TOKEN",
            "INTEGRATION_FAILURE",
            "INTEGRATION_TIMEOUT",
            "INVALID_API_KEY",
            "INVALID_SIGNATURE",
            "MISSING_AUTHENTICATION_TOKEN",
            "QUOTA_EXCEEDED",
            "REQUEST_TOO_LARGE",
            "RESOURCE_NOT_FOUND",
            "THROTTLED",
            "UNAUTHORIZED",
            "UNSUPPORTED_MEDIA_TYPE",
            "WAF_FILTERED",
        }
    )


@pytest.mark.parametrize("error", [e for e, *_ in DEFAULTS], ids=lambda e: type(e).__name__)
def test_error_classes_agree_with_the_table(error: GatewayError) -> None:
    """Status and message of each error class are AWS's defaults for its type (AWS documents
    504 for INTEGRATION_FAILURE; a malformed Lambda proxy response's 502 is another error)."""
    info = RESPONSE_TYPES[error.response_type]
    if info.status is not None:
        assert error.status_code == info.status
    if info.message is not None and error.response_type not in ("BAD_REQUEST_PARAMETERS",):
        assert type(error).default_message == info.message


def test_incomplete_signature_keeps_type_but_sends_its_own_error_type() -> None:
    """A non-SigV4 Authorization header on an unknown route: 403 IncompleteSignatureException."""
    message = "'abc' not a valid key=value pair (missing equal-sign) in Authorization header: 'Bearer abc'."
    rendered = render(errors.IncompleteSignature(message))
    assert rendered.status == 403
    assert (
        rendered.body
        == b'{"message":"\'abc\' not a valid key=value pair (missing equal-sign) in Authorization'
        b" header: 'Bearer abc'.\"}"
    )
    assert rendered.headers[-1] == ("x-amzn-ErrorType", "IncompleteSignatureException")


def test_message_string_is_json_quoted() -> None:
    rendered = render(errors.AccessDenied('User "bob" is not authorized\\'))
    assert rendered.body == b'{"Message":"User \\"bob\\" is not authorized\\\\"}'


CORS_4XX = GatewayResponse(
    "DEFAULT_4XX",
    response_parameters={"gatewayresponse.header.Access-Control-Allow-Origin": "'*'"},
    response_templates={
        "application/json": '{"error":$context.error.messageString,"type":"$context.error.responseType"}'
    },
)


def test_default_4xx_customisation_applies_to_unspecified_4xx_types() -> None:
    """AWS: an unspecified 4XX type falls back to the API's DEFAULT_4XX (headers and templates)."""
    rendered = render(errors.Unauthorized(), CORS_4XX)
    assert rendered.status == 401
    assert rendered.body == b'{"error":"Unauthorized","type":"UNAUTHORIZED"}'
    assert rendered.headers == [
        ("Content-Type", "application/json"),
        ("Access-Control-Allow-Origin", "*"),
        ("x-amzn-ErrorType", "UnauthorizedException"),
    ]


def test_default_4xx_customisation_leaves_5xx_alone() -> None:
    rendered = render(errors.IntegrationTimeout(), CORS_4XX)
    assert (rendered.status, rendered.body) == (504, b'{"message": "Endpoint request timed out"}')
    assert ("Access-Control-Allow-Origin", "*") not in rendered.headers


def test_default_4xx_status_code_changes_every_unspecified_4xx() -> None:
    """AWS: changing DEFAULT_4XX's status code changes the status of all other 4XX responses."""
    responses = compiled(GatewayResponse("DEFAULT_4XX", status_code="418"))
    assert responses.render(errors.Throttled(), TemplateInputs()).status == 418
    assert responses.render(errors.MissingAuthenticationToken(), TemplateInputs()).body == (
        b'{"message":"Missing Authentication Token"}'
    )


def test_default_5xx_customisation_applies_to_integration_errors() -> None:
    custom = GatewayResponse("DEFAULT_5XX", response_templates={"application/json": '{"oops":true}'})
    rendered = render(errors.IntegrationTimeout(), custom)
    assert (rendered.status, rendered.body) == (504, b'{"oops":true}')
    assert rendered.headers[-1] == ("x-amzn-ErrorType", "InternalServerErrorException")


def test_own_customisation_wins_over_default_4xx() -> None:
    """The type's own gateway response replaces DEFAULT_4XX's headers; its explicit status wins."""
    own = GatewayResponse(
        "MISSING_AUTHENTICATION_TOKEN",
        status_code="404",
        response_parameters={"gatewayresponse.header.x-hint": "'no such route'"},
    )
    rendered = render(errors.MissingAuthenticationToken(), CORS_4XX, own)
    assert rendered.status == 404
    assert rendered.body == b'{"message":"Missing Authentication Token"}'
    assert rendered.headers == [
        ("Content-Type", "application/json"),
        ("x-hint", "no such route"),
        ("x-amzn-ErrorType", "MissingAuthenticationTokenException"),
    ]


def test_request_too_large_cannot_be_customised() -> None:
    own = GatewayResponse(
        "REQUEST_TOO_LARGE", status_code="400", response_templates={"application/json": "x"}
    )
    rendered = render(errors.RequestTooLarge(), own, CORS_4XX)
    assert (rendered.status, rendered.body) == (413, b'{"message":"Request Too Long"}')


def inputs() -> TemplateInputs:
    return TemplateInputs(
        path_params={"petId": "42"},
        querystring={"q": "cats"},
        headers={"X-Trace": "t-1", "Accept": "application/json"},
        context={
            "requestId": "req-1",
            "stage": "prod",
            "resourcePath": "/pets/{petId}",
            "error": {"validationErrorString": "[instance type (string) does not match]"},
        },
        stage_variables={"env": "blue"},
    )


def test_template_substitutes_context_stage_variables_and_method_request() -> None:
    """Gateway-response templates are plain substitution, not VTL: other `$` text stays as written."""
    template = (
        '{"m":$context.error.messageString,"raw":"$context.error.message","t":"$context.error.responseType",'
        '"v":"$context.error.validationErrorString","id":"$context.requestId","s":"${context.stage}",'
        '"env":"$stageVariables.env","env2":"$stageVariables[\'env\']","trace":"$method.request.header.X-Trace",'
        '"pet":"$method.request.path.petId","q":"$method.request.querystring.q","none":"$context.nothing",'
        '"body":"$input.body"}'
    )
    custom = GatewayResponse("BAD_REQUEST_BODY", response_templates={"application/json": template})
    rendered = render(errors.BadRequestBody(), custom, inputs=inputs())
    assert rendered.body == (
        b'{"m":"Invalid request body","raw":"Invalid request body","t":"BAD_REQUEST_BODY",'
        b'"v":"[instance type (string) does not match]","id":"req-1","s":"prod","env":"blue","env2":"blue",'
        b'"trace":"t-1","pet":"42","q":"cats","none":"","body":"$input.body"}'
    )


def test_response_parameters_map_every_source() -> None:
    custom = GatewayResponse(
        "ACCESS_DENIED",
        response_parameters={
            "gatewayresponse.header.x-literal": "'a.b.c'",
            "gatewayresponse.header.x-header": "method.request.header.x-trace",
            "gatewayresponse.header.x-query": "method.request.querystring.q",
            "gatewayresponse.header.x-path": "method.request.path.petId",
            "gatewayresponse.header.x-env": "stageVariables.env",
            "gatewayresponse.header.x-request-id": "context.requestId",
            "gatewayresponse.header.x-type": "context.error.responseType",
            "gatewayresponse.header.x-old-style": "method.input.params.q",
            "gatewayresponse.header.x-missing": "method.request.header.Nope",
        },
    )
    rendered = render(errors.AccessDenied(), custom, inputs=inputs())
    assert rendered.headers == [
        ("Content-Type", "application/json"),
        ("x-literal", "a.b.c"),
        ("x-header", "t-1"),
        ("x-query", "cats"),
        ("x-path", "42"),
        ("x-env", "blue"),
        ("x-request-id", "req-1"),
        ("x-type", "ACCESS_DENIED"),
        ("x-old-style", "cats"),
        ("x-amzn-ErrorType", "AccessDeniedException"),
    ]


def test_template_is_chosen_by_first_accept_type_else_json() -> None:
    custom = GatewayResponse(
        "UNAUTHORIZED",
        response_templates={
            "application/xml": "<e>$context.error.message</e>",
            "application/json": '{"e":1}',
        },
    )
    responses = compiled(custom)
    xml = responses.render(errors.Unauthorized(), TemplateInputs(headers={"accept": "application/xml, */*"}))
    assert (xml.headers[0], xml.body) == (("Content-Type", "application/xml"), b"<e>Unauthorized</e>")
    html = responses.render(errors.Unauthorized(), TemplateInputs(headers={"Accept": "text/html"}))
    assert (html.headers[0], html.body) == (("Content-Type", "application/json"), b'{"e":1}')


def test_content_type_header_can_be_mapped() -> None:
    custom = GatewayResponse(
        "DEFAULT_4XX",
        response_parameters={"gatewayresponse.header.Content-Type": "'application/problem+json'"},
    )
    rendered = render(errors.Throttled(), custom)
    assert rendered.headers[0] == ("Content-Type", "application/problem+json")
    assert rendered.body == b'{"message":"Too Many Requests"}'


@pytest.mark.parametrize(
    ("response", "location", "problem"),
    [
        (GatewayResponse("NOT_A_TYPE"), "gatewayResponses/NOT_A_TYPE", "unknown gateway response type"),
        (GatewayResponse("THROTTLED", status_code="4xx"), "gatewayResponses/THROTTLED", "not an HTTP status"),
        (GatewayResponse("THROTTLED", status_code="600"), "gatewayResponses/THROTTLED", "not an HTTP status"),
        (
            GatewayResponse("THROTTLED", response_parameters={"method.response.header.x": "'a'"}),
            "gatewayResponses/THROTTLED/responseParameters",
            "gatewayresponse.header|path|querystring.NAME",
        ),
        (
            GatewayResponse(
                "THROTTLED", response_parameters={"gatewayresponse.header.x": "integration.response.body"}
            ),
            "gatewayResponses/THROTTLED/responseParameters/gatewayresponse.header.x",
            "not a mapping expression",
        ),
        (
            GatewayResponse("THROTTLED", response_templates={"json": "{}"}),
            "gatewayResponses/THROTTLED/responseTemplates",
            "media type",
        ),
    ],
)
def test_bad_gateway_response_is_a_definition_error(
    response: GatewayResponse, location: str, problem: str
) -> None:
    with pytest.raises(DefinitionError) as caught:
        compiled(response)
    assert caught.value.source == "api Pets"
    assert caught.value.location == location
    assert problem in caught.value.problem


def test_path_and_querystring_response_parameters_are_accepted_and_add_no_header() -> None:
    """AWS accepts gatewayresponse.path.X and .querystring.X (SAM makes them); only headers reach clients."""
    rendered = render(
        errors.MissingAuthenticationToken(),
        GatewayResponse(
            "MISSING_AUTHENTICATION_TOKEN",
            response_parameters={
                "gatewayresponse.header.X-Kind": "'missing'",
                "gatewayresponse.path.p": "'v'",
                "gatewayresponse.querystring.q": "'v'",
            },
        ),
    )
    names = [name.lower() for name, _ in rendered.headers]
    assert "x-kind" in names and "p" not in names and "q" not in names


def test_other_response_parameter_prefixes_are_refused() -> None:
    with pytest.raises(DefinitionError, match=r"gatewayresponse\.header"):
        compiled(GatewayResponse("DEFAULT_4XX", response_parameters={"method.response.header.X": "'v'"}))


def test_the_model_and_the_defaults_table_name_the_same_types() -> None:
    from tollway.model.api import GATEWAY_RESPONSE_TYPES

    assert set(GATEWAY_RESPONSE_TYPES) == set(RESPONSE_TYPES)
