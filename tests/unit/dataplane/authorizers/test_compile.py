"""Authorizers compiled once per deployment, and Lambda authorizer answers parsed as AWS reads them."""

from __future__ import annotations

import json

import pytest

from tollway.auth.policy import compile_policy
from tollway.dataplane.authorizers.compile import IdentitySource, compile_authorizers
from tollway.dataplane.authorizers.lambda_ import AuthorizerResult, ResultCache, parse_result
from tollway.dataplane.authorizers.methods import method_auth
from tollway.errors import AuthorizerConfigurationError, DefinitionError
from tollway.model.api import Authorizer, Method, RestApi

URI = (
    "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
    "arn:aws:lambda:us-east-1:123456789012:function:Auth/invocations"
)


def api_with(*authorizers: Authorizer) -> RestApi:
    return RestApi("api", "a", authorizers=authorizers)


def test_identity_sources_are_parsed_and_header_names_lowered() -> None:
    request = Authorizer(
        "r1",
        "req",
        "REQUEST",
        URI,
        "method.request.header.X-User, method.request.querystring.Tenant,"
        " stageVariables.env, context.sourceIp",
    )
    compiled = compile_authorizers(api_with(request), "f.yaml")["r1"]
    assert compiled.function == "Auth"
    assert compiled.sources == (
        IdentitySource("header", "x-user"),
        IdentitySource("querystring", "Tenant"),
        IdentitySource("stageVariables", "env"),
        IdentitySource("context", "sourceIp"),
    )


@pytest.mark.parametrize(
    ("authorizer", "problem"),
    [
        (Authorizer("a", "n", "TOKEN", URI, "method.request.querystring.t"), "exactly one header"),
        (Authorizer("a", "n", "TOKEN", URI, "method.request.header.A", result_ttl_seconds=3601), "0 to 3600"),
        (Authorizer("a", "n", "TOKEN", "arn:aws:s3:::bucket", "method.request.header.A"), "not a Lambda"),
        (Authorizer("a", "n", "REQUEST", URI, None, result_ttl_seconds=300), "needs identity sources"),
        (Authorizer("a", "n", "COGNITO_USER_POOLS"), "needs providerARNs"),
        (Authorizer("a", "n", "TOKEN", URI, "method.request.body.x"), "bad identity source"),
    ],
)
def test_bad_authorizers_are_refused_naming_them(authorizer: Authorizer, problem: str) -> None:
    with pytest.raises(DefinitionError, match=problem) as caught:
        compile_authorizers(api_with(authorizer), "f.yaml")
    assert "authorizer 'n'" in str(caught.value)


def test_a_method_naming_an_unknown_authorizer_is_refused() -> None:
    method = Method("GET", authorization_type="CUSTOM", authorizer_id="nope")
    with pytest.raises(DefinitionError, match="no authorizer 'nope'"):
        method_auth(method, {}, "f.yaml", "/paths/~1pets/get")


def answer(**fields: object) -> bytes:
    policy = {"Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"}]}
    return json.dumps({"principalId": "u", "policyDocument": policy, **fields}).encode()


def test_context_values_are_passed_on_as_strings() -> None:
    result = parse_result(answer(principalId=42, context={"n": 3, "ok": True, "s": "x", "none": None}), "a")
    assert result.principal_id == "42"
    assert result.context == {"n": "3", "ok": "true", "s": "x"}


@pytest.mark.parametrize(
    "payload",
    [
        b"not json",
        b"[1]",
        json.dumps({"policyDocument": {"Statement": []}}).encode(),  # no principalId
        json.dumps({"principalId": "u"}).encode(),  # no policy
        answer(context={"list": [1]}),
        answer(context="flat"),
    ],
)
def test_answers_that_are_not_an_authorizer_result_are_configuration_errors(payload: bytes) -> None:
    with pytest.raises(AuthorizerConfigurationError):
        parse_result(payload, "a")


def test_the_result_cache_expires_entries_and_stays_bounded() -> None:
    cache = ResultCache(size=2)
    result = AuthorizerResult("u", compile_policy({"Statement": []}), {}, None)
    cache.put(("a",), result, expires_at=10.0)
    assert cache.get(("a",), 9.9) is result
    assert cache.get(("a",), 10.0) is None
    for key in ("b", "c", "d"):
        cache.put((key,), result, expires_at=100.0)
    assert cache.get(("b",), 0) is None and cache.get(("d",), 0) is result
