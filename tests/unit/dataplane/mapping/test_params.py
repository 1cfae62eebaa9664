"""REST API request/response parameter mapping, as API Gateway applies it."""

from __future__ import annotations

import pytest

from tollway.dataplane.mapping.inputs import TemplateInputs
from tollway.dataplane.mapping.params import (
    MappedRequestParameters,
    compile_request_parameters,
    compile_response_parameters,
)
from tollway.dataplane.mapping.vtl import TemplateError

INPUTS = TemplateInputs(
    body='{"petstore": {"pets": [{"name": "Rex", "age": 3}]}, "tags": ["a"]}',
    path_params={"id": "42"},
    querystring={"q": "last"},
    headers={"X-Api-Token": "tok"},
    multi_querystring={"q": ["first", "last"]},
    multi_headers={"X-Api-Token": ["tok"], "Accept": ["a/b", "c/d"]},
    context={"requestId": "req-1", "identity": {"sourceIp": "203.0.113.9"}, "n": 5},
    stage_variables={"backend": "v2"},
)


def apply(mapping: dict[str, str], inputs: TemplateInputs = INPUTS) -> MappedRequestParameters:
    return compile_request_parameters(mapping).apply(inputs)


def test_each_request_source_maps_to_single_value_targets() -> None:
    result = apply(
        {
            "integration.request.path.petId": "method.request.path.id",
            "integration.request.querystring.search": "method.request.querystring.q",
            "integration.request.header.X-Token": "method.request.header.x-api-token",
            "integration.request.header.X-Body": "method.request.body",
            "integration.request.header.X-Pet": "method.request.body.petstore.pets[0].name",
            "integration.request.header.X-Stage": "stageVariables.backend",
            "integration.request.header.X-Req": "context.requestId",
            "integration.request.header.X-Ip": "context.identity.sourceIp",
            "integration.request.querystring.static": "'fixed value'",
        }
    )
    assert result.path == {"petId": "42"}
    assert result.querystring == {"search": ["last"], "static": ["fixed value"]}
    assert result.headers == {
        "X-Token": ["tok"],
        "X-Body": [INPUTS.body],
        "X-Pet": ["Rex"],
        "X-Stage": ["v2"],
        "X-Req": ["req-1"],
        "X-Ip": ["203.0.113.9"],
    }


def test_multivalue_sources_to_multivalue_targets_keep_every_value() -> None:
    result = apply(
        {
            "integration.request.multivaluequerystring.q": "method.request.multivaluequerystring.q",
            "integration.request.multivalueheader.Accept": "method.request.multivalueheader.accept",
        }
    )
    assert result.querystring == {"q": ["first", "last"]}
    assert result.headers == {"Accept": ["a/b", "c/d"]}


def test_multivalue_source_into_single_target_is_comma_joined() -> None:
    result = apply({"integration.request.header.A": "method.request.multivalueheader.Accept"})
    assert result.headers == {"A": ["a/b,c/d"]}


def test_body_jsonpath_accepts_dollar_prefix_and_renders_non_strings_as_json() -> None:
    result = apply(
        {
            "integration.request.header.Age": "method.request.body.$.petstore.pets[0].age",
            "integration.request.header.Tags": "method.request.body.tags",
        }
    )
    assert result.headers == {"Age": ["3"], "Tags": ['["a"]']}


def test_absent_source_leaves_the_target_out_aws_behaviour() -> None:
    result = apply(
        {
            "integration.request.path.x": "method.request.path.nope",
            "integration.request.querystring.x": "method.request.querystring.nope",
            "integration.request.header.a": "method.request.header.nope",
            "integration.request.header.b": "method.request.body.nope.deeper",
            "integration.request.header.c": "stageVariables.nope",
            "integration.request.header.d": "context.identity.nope",
        }
    )
    assert result == MappedRequestParameters()


def test_body_jsonpath_on_non_json_body_yields_nothing() -> None:
    inputs = TemplateInputs(body="plain text")
    result = apply({"integration.request.header.a": "method.request.body.a"}, inputs)
    assert result.headers == {}


def test_context_number_is_stringified() -> None:
    assert apply({"integration.request.header.N": "context.n"}).headers == {"N": ["5"]}


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("integration.request.body.x", "method.request.path.id"),
        ("integration.request.header.", "method.request.path.id"),
        ("method.request.header.x", "method.request.path.id"),
        ("integration.request.header.x", "method.request.cookie.id"),
        ("integration.request.header.x", "method.request.path."),
        ("integration.request.header.x", "'unterminated"),
        ("integration.request.header.x", "method.request.body.a["),
        ("integration.request.header.x", "integration.response.body"),
    ],
)
def test_malformed_request_mapping_raises_template_error(key: str, value: str) -> None:
    with pytest.raises(TemplateError):
        compile_request_parameters({key: value})


# --- response side -----------------------------------------------------------------


def test_each_response_source_maps_to_method_response_headers() -> None:
    mapper = compile_response_parameters(
        {
            "method.response.header.X-Id": "integration.response.header.x-app-id",
            "method.response.header.X-Multi": "integration.response.multivalueheader.X-Many",
            "method.response.header.Location": "integration.response.body.redirect.url",
            "method.response.header.X-Raw": "integration.response.body",
            "method.response.header.Access-Control-Allow-Origin": "'*'",
            "method.response.header.X-Req": "context.requestId",
            "method.response.header.X-Stage": "stageVariables.backend",
        }
    )
    body = '{"redirect": {"url": "https://example.com/x"}}'
    headers = {"X-App-Id": "app-1", "x-many": "a,b"}
    assert mapper.apply(headers, body, INPUTS) == {
        "X-Id": "app-1",
        "X-Multi": "a,b",
        "Location": "https://example.com/x",
        "X-Raw": body,
        "Access-Control-Allow-Origin": "*",
        "X-Req": "req-1",
        "X-Stage": "v2",
    }


def test_response_absent_source_leaves_header_out() -> None:
    mapper = compile_response_parameters(
        {
            "method.response.header.A": "integration.response.header.nope",
            "method.response.header.B": "integration.response.body.nope",
        }
    )
    assert mapper.apply({}, "{}", INPUTS) == {}


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("method.response.body.x", "'a'"),
        ("integration.response.header.x", "'a'"),
        ("method.response.header.x", "integration.response.cookie.a"),
        ("method.response.header.x", "method.request.header.a"),
    ],
)
def test_malformed_response_mapping_raises_template_error(key: str, value: str) -> None:
    with pytest.raises(TemplateError):
        compile_response_parameters({key: value})
