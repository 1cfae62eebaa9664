"""Reading function names from integration URIs and ARNs, as API Gateway and Lambda do."""

from __future__ import annotations

from tollway.functions.runtime.arn import FunctionRef, function_from_uri, parse_function

PREFIX = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"


def test_lambda_invocation_uri_names_the_function() -> None:
    uri = PREFIX + "arn:aws:lambda:us-east-1:123456789012:function:HelloFunction/invocations"
    assert function_from_uri(uri) == FunctionRef("HelloFunction")


def test_qualified_arn_in_uri_keeps_the_alias_or_version() -> None:
    assert function_from_uri(
        PREFIX + "arn:aws:lambda:us-east-1:123456789012:function:fn:live/invocations"
    ) == (FunctionRef("fn", "live"))
    assert str(FunctionRef("fn", "7")) == "fn:7"


def test_aws_service_integrations_are_not_lambda() -> None:
    assert function_from_uri("arn:aws:apigateway:us-east-1:dynamodb:action/PutItem") is None
    assert function_from_uri("http://example.com") is None


def test_invoke_api_accepts_names_partial_and_full_arns() -> None:
    assert parse_function("fn") == FunctionRef("fn")
    assert parse_function("fn:$LATEST") == FunctionRef("fn", "$LATEST")
    assert parse_function("arn:aws:lambda:eu-west-1:123456789012:function:fn:3") == FunctionRef("fn", "3")
    assert parse_function("not a name") is None
