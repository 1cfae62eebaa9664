"""The Lambda proxy events API Gateway builds: REST payload 1.0 and HTTP API payload 2.0."""

from __future__ import annotations

import dataclasses
from typing import Any

import orjson

from tollway.dataplane.integrations.lambda_proxy.events import (
    EventRequest,
    build_v1_event,
    build_v2_event,
    encode_event,
    request_time,
)

# The AWS documentation's own example pairs this epoch with this CLF time.
EPOCH_MS = 1583349317135
CLF_TIME = "04/Mar/2020:19:15:17 +0000"

HEADERS = [
    ("Host", "abc123.execute-api.us-east-1.amazonaws.com"),
    ("User-Agent", "curl/8.5.0"),
    ("Accept", "*/*"),
    ("X-Multi", "one"),
    ("x-multi", "two"),
    ("Cookie", "session=s1; theme=dark"),
    ("Content-Type", "application/json"),
    ("Content-Length", "11"),
    ("Connection", "keep-alive"),
]


def make_request(**changes: Any) -> EventRequest:
    """POST /prod/pets/a%20b%2Fc?tag=x&tag=y&q=caf%C3%A9 with a JSON body."""
    request = EventRequest(
        method="POST",
        path="/pets/a%20b%2Fc",
        resource_path="/pets/{id}",
        path_params={"id": "a%20b%2Fc"},
        headers=HEADERS,
        query={"tag": ["x", "y"], "q": ["café"]},
        body=b'{"a": "\xc3\xa9"}',
        is_binary=False,
        stage="prod",
        stage_variables={"alias": "live"},
        request_id="c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
        extended_request_id="KnTqMFqxIAMEbQA=",
        time_epoch_ms=EPOCH_MS,
        api_id="abc123",
        resource_id="x1y2z3",
        source_ip="203.0.113.7",
        user_agent="curl/8.5.0",
        domain_name="abc123.execute-api.us-east-1.amazonaws.com",
        protocol="HTTP/1.1",
        account_id="123456789012",
        deployment_id="dep001",
    )
    return dataclasses.replace(request, **changes)


EXPECTED_IDENTITY = {
    "accessKey": None,
    "accountId": None,
    "caller": None,
    "cognitoAuthenticationProvider": None,
    "cognitoAuthenticationType": None,
    "cognitoIdentityId": None,
    "cognitoIdentityPoolId": None,
    "principalOrgId": None,
    "sourceIp": "203.0.113.7",
    "user": None,
    "userAgent": "curl/8.5.0",
    "userArn": None,
}

EXPECTED_V1 = {
    "resource": "/pets/{id}",
    "path": "/pets/a%20b%2Fc",
    "httpMethod": "POST",
    "headers": {
        "Host": "abc123.execute-api.us-east-1.amazonaws.com",
        "User-Agent": "curl/8.5.0",
        "Accept": "*/*",
        "X-Multi": "two",
        "Cookie": "session=s1; theme=dark",
        "Content-Type": "application/json",
    },
    "multiValueHeaders": {
        "Host": ["abc123.execute-api.us-east-1.amazonaws.com"],
        "User-Agent": ["curl/8.5.0"],
        "Accept": ["*/*"],
        "X-Multi": ["one", "two"],
        "Cookie": ["session=s1; theme=dark"],
        "Content-Type": ["application/json"],
    },
    "queryStringParameters": {"tag": "y", "q": "café"},
    "multiValueQueryStringParameters": {"tag": ["x", "y"], "q": ["café"]},
    "pathParameters": {"id": "a%20b%2Fc"},
    "stageVariables": {"alias": "live"},
    "requestContext": {
        "accountId": "123456789012",
        "apiId": "abc123",
        "deploymentId": "dep001",
        "domainName": "abc123.execute-api.us-east-1.amazonaws.com",
        "domainPrefix": "abc123",
        "extendedRequestId": "KnTqMFqxIAMEbQA=",
        "httpMethod": "POST",
        "identity": EXPECTED_IDENTITY,
        "path": "/prod/pets/a%20b%2Fc",
        "protocol": "HTTP/1.1",
        "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
        "requestTime": CLF_TIME,
        "requestTimeEpoch": EPOCH_MS,
        "resourceId": "x1y2z3",
        "resourcePath": "/pets/{id}",
        "stage": "prod",
    },
    "body": '{"a": "é"}',
    "isBase64Encoded": False,
}


def test_v1_event_matches_the_rest_api_payload_exactly() -> None:
    """Repeated header/query keys: the single-value maps keep the last value, multiValue* keep all;
    ``path`` stays percent-encoded without the stage, ``requestContext.path`` has ``/prod``."""
    assert build_v1_event(make_request()) == EXPECTED_V1


def test_v1_event_has_no_authorizer_key_and_twelve_identity_keys_without_an_authorizer() -> None:
    context = build_v1_event(make_request())["requestContext"]
    assert "authorizer" not in context
    assert list(context["identity"]) == list(EXPECTED_IDENTITY)
    assert isinstance(context["requestTimeEpoch"], int)


def test_v1_event_passes_the_authorizer_context_under_request_context() -> None:
    authorizer = {"principalId": "user-1", "tier": "gold", "integrationLatency": 12}
    event = build_v1_event(make_request(authorizer=authorizer))
    assert event["requestContext"]["authorizer"] == authorizer


def test_v1_identity_carries_api_key_and_id_only_when_a_key_was_used() -> None:
    identity = build_v1_event(make_request(api_key="k3y", api_key_id="n2xnxga958"))["requestContext"][
        "identity"
    ]
    assert identity == {**EXPECTED_IDENTITY, "apiKey": "k3y", "apiKeyId": "n2xnxga958"}


def test_v1_identity_takes_the_values_an_authorizer_established() -> None:
    caller = {"caller": "AIDAEXAMPLE", "userArn": "arn:aws:iam::123456789012:user/alice"}
    identity = build_v1_event(make_request(identity=caller))["requestContext"]["identity"]
    assert identity == {**EXPECTED_IDENTITY, **caller}


def test_v1_empty_maps_and_empty_body_are_null() -> None:
    """AWS sends null (not {}) for absent headers, query, path parameters and stage variables."""
    event = build_v1_event(make_request(headers=[], query={}, path_params={}, stage_variables={}, body=b""))
    assert {key: event[key] for key in EXPECTED_V1 if key not in ("requestContext",)} == {
        "resource": "/pets/{id}",
        "path": "/pets/a%20b%2Fc",
        "httpMethod": "POST",
        "headers": None,
        "multiValueHeaders": None,
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "body": None,
        "isBase64Encoded": False,
    }


def test_v1_binary_body_is_base64_with_is_base64_encoded_true() -> None:
    event = build_v1_event(make_request(body=b"\x89PNG\r\n\x1a\n\x00\xff", is_binary=True))
    assert (event["body"], event["isBase64Encoded"]) == ("iVBORw0KGgoA/w==", True)


def test_v1_text_body_with_invalid_utf8_becomes_replacement_characters() -> None:
    event = build_v1_event(make_request(body=b"ok \xff"))
    assert (event["body"], event["isBase64Encoded"]) == ("ok \ufffd", False)


def test_v1_query_key_without_value_is_an_empty_string() -> None:
    event = build_v1_event(make_request(query={"flag": [""]}))
    assert event["queryStringParameters"] == {"flag": ""}
    assert event["multiValueQueryStringParameters"] == {"flag": [""]}


def test_v1_root_path_of_the_stage() -> None:
    event = build_v1_event(make_request(path="/", resource_path="/", path_params={}))
    assert (event["path"], event["requestContext"]["path"], event["resource"]) == ("/", "/prod/", "/")


EXPECTED_V2 = {
    "version": "2.0",
    "routeKey": "POST /pets/{id}",
    "rawPath": "/prod/pets/a b/c",
    "rawQueryString": "tag=x&tag=y&q=caf%C3%A9",
    "cookies": ["session=s1", "theme=dark"],
    "headers": {
        "host": "abc123.execute-api.us-east-1.amazonaws.com",
        "user-agent": "curl/8.5.0",
        "accept": "*/*",
        "x-multi": "one,two",
        "content-type": "application/json",
        "content-length": "11",
        "connection": "keep-alive",
    },
    "queryStringParameters": {"tag": "x,y", "q": "café"},
    "requestContext": {
        "accountId": "123456789012",
        "apiId": "abc123",
        "domainName": "abc123.execute-api.us-east-1.amazonaws.com",
        "domainPrefix": "abc123",
        "http": {
            "method": "POST",
            "path": "/prod/pets/a b/c",
            "protocol": "HTTP/1.1",
            "sourceIp": "203.0.113.7",
            "userAgent": "curl/8.5.0",
        },
        "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
        "routeKey": "POST /pets/{id}",
        "stage": "prod",
        "time": CLF_TIME,
        "timeEpoch": EPOCH_MS,
    },
    "body": '{"a": "é"}',
    "pathParameters": {"id": "a b/c"},
    "isBase64Encoded": False,
    "stageVariables": {"alias": "live"},
}


def build_v2(request: EventRequest) -> dict[str, Any]:
    return build_v2_event(
        request, route_key="POST /pets/{id}", raw_path="/prod/pets/a b/c", raw_query="tag=x&tag=y&q=caf%C3%A9"
    )


def test_v2_event_matches_the_http_api_payload_exactly() -> None:
    """Lower-cased header names, repeated headers and query values comma-joined, the Cookie
    header moved into ``cookies`` (one entry per cookie), no multiValue* fields."""
    assert build_v2(make_request(path_params={"id": "a b/c"})) == EXPECTED_V2


def test_v2_event_leaves_out_the_keys_it_has_no_value_for() -> None:
    request = make_request(
        headers=[("Host", "h.example.com")], query={}, path_params={}, stage_variables={}, body=b""
    )
    event = build_v2_event(request, route_key="$default", raw_path="/", raw_query="")
    assert sorted(event) == [
        "headers",
        "isBase64Encoded",
        "rawPath",
        "rawQueryString",
        "requestContext",
        "routeKey",
        "version",
    ]
    assert (event["rawQueryString"], event["headers"]) == ("", {"host": "h.example.com"})


def test_v2_cookies_from_several_cookie_headers_are_combined() -> None:
    headers = [("cookie", "a=1; b=2"), ("Cookie", "c=3")]
    assert build_v2(make_request(headers=headers))["cookies"] == ["a=1", "b=2", "c=3"]
    assert build_v2(make_request(headers=headers))["headers"] == {}


def test_v2_binary_body_and_authorizer() -> None:
    authorizer = {"jwt": {"claims": {"sub": "u1"}, "scopes": None}}
    event = build_v2(make_request(body=b"\x00\x01\xfe", is_binary=True, authorizer=authorizer))
    assert (event["body"], event["isBase64Encoded"]) == ("AAH+", True)
    assert event["requestContext"]["authorizer"] == authorizer


def test_v2_missing_user_agent_is_an_empty_string() -> None:
    event = build_v2(make_request(user_agent=None))
    assert event["requestContext"]["http"]["userAgent"] == ""


def test_request_time_is_clf_in_utc_with_zero_padded_day() -> None:
    assert request_time(0) == "01/Jan/1970:00:00:00 +0000"
    assert request_time(EPOCH_MS) == CLF_TIME


def test_encode_event_is_compact_utf8_json() -> None:
    event = build_v1_event(make_request())
    encoded = encode_event(event)
    assert orjson.loads(encoded) == EXPECTED_V1
    assert '"body":"{\\"a\\": \\"é\\"}"'.encode() in encoded


def test_v1_event_leaves_out_connection_and_content_length() -> None:
    """AWS's documented POST event carries no Content-Length; Connection is hop-by-hop."""
    headers = [("Content-Length", "2"), ("connection", "close"), ("X-A", "1")]
    event = build_v1_event(make_request(headers=headers))
    assert (event["headers"], event["multiValueHeaders"]) == ({"X-A": "1"}, {"X-A": ["1"]})


def test_v1_authorization_is_named_so_however_the_client_spelled_it() -> None:
    """Recorded against AWS: ``authorization`` and ``aUThorization`` arrive as ``Authorization``."""
    event = build_v1_event(make_request(headers=[("aUThorization", "Bearer t"), ("tEsT-HEADeR", "v")]))
    assert event["headers"] == {"Authorization": "Bearer t", "tEsT-HEADeR": "v"}
    assert event["multiValueHeaders"] == {"Authorization": ["Bearer t"], "tEsT-HEADeR": ["v"]}


def test_v1_context_path_is_the_clients_spelling_when_given() -> None:
    """AWS: ``//hardcoded`` gives ``path`` ``/hardcoded`` and ``requestContext.path``
    ``/prod//hardcoded``."""
    event = build_v1_event(make_request(path="/hardcoded", context_path="//hardcoded"))
    assert (event["path"], event["requestContext"]["path"]) == ("/hardcoded", "/prod//hardcoded")
    assert build_v1_event(make_request())["requestContext"]["path"] == "/prod/pets/a%20b%2Fc"
