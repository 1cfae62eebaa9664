"""SigV4 verification for AWS_IAM methods: requests are signed by botocore's own signers
(SigV4Auth, SigV4QueryAuth) and must be accepted; anything else must fail with the status,
gateway-response type and message Amazon API Gateway answers."""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

import botocore.auth
import pytest
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials as BotoCredentials

from tollway.auth.sigv4 import Credentials, Verified, verify
from tollway.errors import (
    ExpiredToken,
    GatewayError,
    IncompleteSignature,
    InvalidSignature,
    MissingAuthenticationToken,
    UnrecognizedClient,
)

HOST = "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com"
SIGNED_AT = dt.datetime(2026, 11, 26, 0, 10, 0)  # botocore's clock: naive UTC
NOW = float(calendar.timegm(SIGNED_AT.timetuple()))
MINUTE = 60.0

ALICE = Credentials("AKIDALICE", "alice/secret+key", "123456789012", "arn:aws:iam::123456789012:user/alice")
TEMP = Credentials(
    "ASIATEMP",
    "temp-secret",
    "123456789012",
    "arn:aws:sts::123456789012:assumed-role/reader/session",
    session_token="FwoGZXIvYXdzEJr//////////wEaDOKEN==",
)
STORE = {c.access_key_id: c for c in (ALICE, TEMP)}

MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. "
    "Consult the service documentation for details."
)


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore signs at SIGNED_AT, so no test depends on the clock."""
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda *args, **kwargs: SIGNED_AT)


class _Recording:
    """Keep botocore's canonical request and string to sign, to compare with ours."""

    recorded: tuple[str, str] = ("", "")

    def string_to_sign(self, request: AWSRequest, canonical_request: str) -> str:
        result: str = super().string_to_sign(request, canonical_request)  # type: ignore[misc]
        self.recorded = (canonical_request, result)
        return result


class RecordingAuth(_Recording, SigV4Auth):
    pass


class RecordingQueryAuth(_Recording, SigV4QueryAuth):
    pass


class NoHostAuth(RecordingAuth):
    """A signer that leaves ``host`` out of SignedHeaders (botocore never does)."""

    def headers_to_sign(self, request: AWSRequest) -> Any:
        headers = super().headers_to_sign(request)
        del headers["host"]
        return headers


@dataclass(frozen=True)
class Sent:
    """A request as the gateway receives it, plus what botocore signed."""

    method: str
    path: str
    query: str
    headers: list[tuple[str, str]]
    body: bytes = b""
    canonical: str = ""
    string_to_sign: str = ""

    def verify(self, now: float = NOW, **options: Any) -> Verified:
        return verify(self.method, self.path, self.query, self.headers, self.body, STORE.get, now, **options)

    def header(self, name: str) -> str:
        return next(value for key, value in self.headers if key.lower() == name.lower())

    def with_header(self, name: str, value: str) -> Sent:
        kept = [(key, val) for key, val in self.headers if key.lower() != name.lower()]
        return replace(self, headers=[*kept, (name, value)])


def sign(
    method: str = "GET",
    path: str = "/prod/items",
    *,
    params: Any = None,
    headers: list[tuple[str, str]] | None = None,
    body: bytes = b"",
    who: Credentials = ALICE,
    secret: str | None = None,
    region: str = "us-east-1",
    service: str = "execute-api",
    presign: int | None = None,
    signer: type[RecordingAuth] = RecordingAuth,
    unsigned_payload: bool = False,
) -> Sent:
    """Sign with botocore exactly as an SDK client would, and return what goes on the wire."""
    creds = BotoCredentials(who.access_key_id, secret or who.secret_access_key, who.session_token)
    request = AWSRequest(method=method, url=f"https://{HOST}{path}", params=params or {}, data=body or None)
    for name, value in headers or []:
        request.headers[name] = value  # HTTPHeaders: a second assignment adds a second header
    if unsigned_payload:
        request.context["payload_signing_enabled"] = False
    auth: _Recording
    if presign is not None:
        auth = RecordingQueryAuth(creds, service, region, expires=presign)
    else:
        auth = signer(creds, service, region)
    auth.add_auth(request)  # type: ignore[attr-defined]
    url = urlsplit(request.prepare().url)
    wire = [("Host", HOST), *request.headers.items()]
    return Sent(method, url.path, url.query, wire, body, *auth.recorded)


def raw(headers: list[tuple[str, str]], query: str = "", path: str = "/prod/items") -> Sent:
    """A hand-written request (no valid signature)."""
    return Sent("GET", path, query, [("Host", HOST), *headers])


def fails(action: Callable[[], object], kind: type[GatewayError], message: str) -> GatewayError:
    with pytest.raises(kind) as caught:
        action()
    assert caught.value.message == message
    assert caught.value.status_code == 403
    return caught.value


def mismatch_message(canonical: str, string_to_sign: str) -> str:
    return (
        f"{MISMATCH}\n\nThe Canonical String for this request should have been\n'{canonical}'"
        f"\n\nThe String-to-Sign should have been\n'{string_to_sign}'\n"
    )


# --- accepted: what botocore signs, tollway verifies --------------------------------------------


def test_get_with_repeated_and_encoded_query_parameters_is_accepted() -> None:
    sent = sign(
        params=[
            ("b", "2"),
            ("a", "x y"),
            ("a", "1+1"),
            ("a", "%2F"),
            ("path", "a/b"),
            ("name", "café ☕"),
            ("tilde~", "-_.~!*'()"),
            ("empty", ""),
        ]
    )
    assert "a=x+y" in sent.query  # the wire form encodes spaces as '+', botocore signs %20
    verified = sent.verify()
    assert verified == Verified(ALICE, "us-east-1")


def test_query_already_encoded_in_the_url_is_accepted() -> None:
    sent = sign(path="/prod/items?z=%20last&a=1&a=0&flag")
    assert sent.query == "z=%20last&a=1&a=0&flag"
    assert sent.verify().credentials is ALICE


def test_path_with_spaces_percent_encoding_and_unicode_is_signed_twice_encoded() -> None:
    sent = sign(path="/prod/items/a%20b/caf%C3%A9/x%2Fy/%25")
    assert "\n/prod/items/a%2520b/caf%25C3%25A9/x%252Fy/%2525\n" in sent.canonical
    assert sent.verify().credentials is ALICE


def test_path_with_dot_segments_and_double_slashes_is_normalised_before_signing() -> None:
    sent = sign(path="/prod//items/./a/../b/")
    assert sent.path == "/prod//items/./a/../b/"
    assert sent.verify().credentials is ALICE


def test_post_with_json_body_is_accepted() -> None:
    body = json.dumps({"name": "widget", "tags": ["a", "b"]}).encode()
    sent = sign("POST", "/prod/items", body=body, headers=[("Content-Type", "application/json")])
    assert sent.verify().credentials is ALICE


def test_region_is_whatever_the_client_signed_for() -> None:
    assert sign(region="eu-west-3").verify() == Verified(ALICE, "eu-west-3")


def test_session_token_is_accepted_and_identifies_temporary_credentials() -> None:
    sent = sign(who=TEMP)
    assert sent.header("X-Amz-Security-Token") == TEMP.session_token
    assert sent.verify() == Verified(TEMP, "us-east-1")


def test_date_header_instead_of_x_amz_date_is_accepted() -> None:
    sent = sign(headers=[("Date", "Thu, 01 Jan 1970 00:00:00 GMT")])  # botocore re-dates it
    assert sent.header("Date") == "Thu, 26 Nov 2026 00:10:00 -0000"
    assert not any(name.lower() == "x-amz-date" for name, _ in sent.headers)
    assert sent.verify().credentials is ALICE


def test_duplicate_headers_are_joined_with_commas_and_whitespace_collapsed() -> None:
    sent = sign(headers=[("X-Dup", "  one   two  "), ("X-Dup", "three")])
    assert "x-dup:one two,three\n" in sent.canonical
    assert sent.verify().credentials is ALICE
    reordered = [h for h in sent.headers if h[0] != "X-Dup"] + [("X-Dup", "three"), ("X-Dup", "one two")]
    with pytest.raises(InvalidSignature):
        replace(sent, headers=reordered).verify()


def test_unsigned_headers_may_be_added_on_the_way() -> None:
    sent = sign()
    assert sent.with_header("X-Forwarded-For", "203.0.113.9").verify().credentials is ALICE


def test_declared_content_sha256_is_used_as_the_payload_hash() -> None:
    body = b'{"a":1}'
    sent = sign("PUT", body=body, headers=[("X-Amz-Content-Sha256", hashlib.sha256(body).hexdigest())])
    assert sent.verify().credentials is ALICE


def test_unsigned_payload_leaves_the_body_out_of_the_signature() -> None:
    sent = sign("POST", body=b"signed-or-not", unsigned_payload=True)
    assert sent.header("X-Amz-Content-SHA256") == "UNSIGNED-PAYLOAD"
    assert replace(sent, body=b"anything").verify().credentials is ALICE


def test_signing_keys_of_different_secrets_do_not_mix_in_the_cache() -> None:
    other = Credentials("AKIDBOB", "bob-secret", "210987654321", "arn:aws:iam::210987654321:user/bob")
    STORE[other.access_key_id] = other
    try:
        assert sign(who=other).verify().credentials is other
        assert sign(who=ALICE).verify().credentials is ALICE
        with pytest.raises(InvalidSignature):
            sign(who=other, secret=ALICE.secret_access_key).verify()
    finally:
        del STORE[other.access_key_id]


# --- presigned URLs --------------------------------------------------------------------------------


def test_presigned_url_is_accepted_until_it_expires() -> None:
    sent = sign(params={"page": "2", "q": "a b"}, presign=600)
    assert "X-Amz-Signature=" in sent.query and not any(n == "Authorization" for n, _ in sent.headers)
    assert sent.verify().credentials is ALICE
    assert sent.verify(now=NOW + 600).credentials is ALICE


def test_presigned_url_with_session_token_is_accepted() -> None:
    sent = sign(who=TEMP, presign=60)
    assert "X-Amz-Security-Token=" in sent.query
    assert sent.verify() == Verified(TEMP, "us-east-1")


def test_expired_presigned_url_is_refused() -> None:
    sent = sign(presign=600)
    fails(
        lambda: sent.verify(now=NOW + 601),
        InvalidSignature,
        "Signature expired: 20261126T001000Z is now earlier than 20261126T001001Z "
        "(20261126T002001Z - 10 min.)",
    )


def test_presigned_url_dated_in_the_future_is_not_yet_current() -> None:
    sent = sign(presign=3600)
    fails(
        lambda: sent.verify(now=NOW - 6 * MINUTE),
        InvalidSignature,
        "Signature not yet current: 20261126T001000Z is still later than 20261126T000900Z "
        "(20261126T000400Z + 5 min.)",
    )


@pytest.mark.parametrize(
    ("expires", "message"),
    [
        ("604801", "X-Amz-Expires must be less than a week (in seconds) that is 604800"),
        ("-1", "X-Amz-Expires must be non-negative"),
        ("3" * 5000, "X-Amz-Expires must be less than a week (in seconds) that is 604800"),  # past int()
        ("-" + "3" * 5000, "X-Amz-Expires must be non-negative"),
        ("soon", "X-Amz-Expires should be a number"),
    ],
)
def test_presigned_expiry_outside_one_second_to_a_week_is_refused(expires: str, message: str) -> None:
    sent = sign(presign=600)
    fails(
        lambda: replace(
            sent, query=sent.query.replace("X-Amz-Expires=600", f"X-Amz-Expires={expires}")
        ).verify(),
        IncompleteSignature,
        message,
    )


def test_tampered_presigned_query_is_refused() -> None:
    sent = sign(params={"page": "2"}, presign=600)
    with pytest.raises(InvalidSignature) as caught:
        replace(sent, query=sent.query.replace("page=2", "page=3")).verify()
    assert caught.value.message.startswith(MISMATCH)


def test_presigned_query_missing_parameters_is_an_incomplete_signature() -> None:
    error = fails(
        lambda: raw([], query="X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20261126T001000Z").verify(),
        IncompleteSignature,
        "AWS query-string parameters must include 'X-Amz-Credential'. "
        "AWS query-string parameters must include 'X-Amz-Signature'. "
        "AWS query-string parameters must include 'X-Amz-SignedHeaders'. "
        "Re-examine the query-string parameters.",
    )
    assert error.response_type == "MISSING_AUTHENTICATION_TOKEN"


def test_authorization_header_and_presigned_query_together_are_refused() -> None:
    sent = sign(presign=600)
    fails(
        lambda: sent.with_header("Authorization", "AWS4-HMAC-SHA256 Credential=x").verify(),
        InvalidSignature,
        "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.",
    )


# --- wrong key, unknown key, tampering -----------------------------------------------------------


@pytest.mark.parametrize(
    "shape",
    [
        {},
        {"params": [("a", "x y"), ("a", "1"), ("b", "é")], "path": "/prod/a%20b"},
        {"method": "POST", "body": b'{"k": "v"}', "headers": [("X-Dup", "1"), ("X-Dup", " 2  3 ")]},
        {"who": TEMP},
        {"params": {"page": "2"}, "presign": 300},
    ],
    ids=["plain", "query-and-path", "body-and-duplicates", "session-token", "presigned"],
)
def test_wrong_secret_answers_the_canonical_request_and_string_to_sign_botocore_built(
    shape: dict[str, Any],
) -> None:
    sent = sign(secret="not-the-secret", **shape)
    error = fails(sent.verify, InvalidSignature, mismatch_message(sent.canonical, sent.string_to_sign))
    assert error.response_type == "INVALID_SIGNATURE"


def test_unknown_access_key_is_an_invalid_security_token() -> None:
    stranger = Credentials("AKIDSTRANGER", "s", "1", "arn:aws:iam::1:user/x")
    fails(
        sign(who=stranger).verify,
        UnrecognizedClient,
        "The security token included in the request is invalid.",
    )


@pytest.mark.parametrize(
    "tamper",
    [
        lambda s: replace(s, path="/prod/other"),
        lambda s: replace(s, path=s.path + "/"),
        lambda s: replace(s, query=s.query.replace("a=1", "a=2")),
        lambda s: replace(s, query=s.query + "&extra=1"),
        lambda s: replace(s, body=s.body + b" "),
        lambda s: replace(s, method="PUT"),
        lambda s: s.with_header("X-Custom", "changed"),
        lambda s: s.with_header("Host", "evil.example.com"),
        lambda s: s.with_header("X-Amz-Date", "20261126T001001Z"),
    ],
    ids=[
        "path",
        "trailing-slash",
        "query-value",
        "query-added",
        "body",
        "method",
        "signed-header",
        "host",
        "date",
    ],
)
def test_tampered_request_is_refused(tamper: Callable[[Sent], Sent]) -> None:
    sent = sign("POST", params={"a": "1"}, body=b'{"x":1}', headers=[("X-Custom", "original")])
    assert sent.verify().credentials is ALICE
    with pytest.raises(InvalidSignature) as caught:
        tamper(sent).verify()
    assert caught.value.message.startswith(MISMATCH)


def test_body_not_matching_the_declared_content_sha256_is_refused() -> None:
    body = b'{"a":1}'
    sent = sign("PUT", body=body, headers=[("X-Amz-Content-Sha256", hashlib.sha256(body).hexdigest())])
    fails(
        lambda: replace(sent, body=b'{"a":2}').verify(),
        InvalidSignature,
        "The provided 'x-amz-content-sha256' header does not match what was computed.",
    )


@pytest.mark.parametrize(
    ("who", "token"),
    [(TEMP, None), (TEMP, "some-other-token"), (ALICE, "a-token-alice-never-had")],
    ids=["missing", "wrong", "unexpected"],
)
def test_session_token_must_be_the_one_issued(who: Credentials, token: str | None) -> None:
    sent = sign(who=replace(who, session_token=token))  # sign with the wrong token (or none)
    fails(sent.verify, UnrecognizedClient, "The security token included in the request is invalid")


def test_expired_temporary_credentials_are_an_expired_token() -> None:
    expiring = replace(TEMP, access_key_id="ASIAOLD", expiration=NOW - 1)
    STORE[expiring.access_key_id] = expiring
    try:
        error = fails(
            sign(who=expiring).verify, ExpiredToken, "The security token included in the request is expired"
        )
        assert error.response_type == "EXPIRED_TOKEN"
    finally:
        del STORE[expiring.access_key_id]


# --- missing or incomplete Authorization -----------------------------------------------------------


def test_no_authorization_and_no_presigned_query_is_missing_authentication_token() -> None:
    error = fails(
        lambda: raw([("X-Amz-Date", "20261126T001000Z")]).verify(),
        MissingAuthenticationToken,
        "Missing Authentication Token",
    )
    assert error.response_type == "MISSING_AUTHENTICATION_TOKEN"
    fails(
        lambda: raw([("Authorization", "  ")]).verify(),
        MissingAuthenticationToken,
        "Missing Authentication Token",
    )


def test_authorization_without_credential_and_signature_names_what_is_missing() -> None:
    value = "AWS4-HMAC-SHA256 SignedHeaders=host;x-amz-date"
    error = fails(
        lambda: raw([("Authorization", value), ("X-Amz-Date", "20261126T001000Z")]).verify(),
        IncompleteSignature,
        "Authorization header requires 'Credential' parameter. "
        "Authorization header requires 'Signature' parameter. "
        f"Authorization={value}",
    )
    assert error.response_type == "MISSING_AUTHENTICATION_TOKEN"
    assert getattr(error, "error_type", None) == "IncompleteSignatureException"


def test_a_bearer_token_on_an_iam_method_gets_aws_incomplete_signature_messages() -> None:
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln"
    fails(
        lambda: raw([("Authorization", jwt)]).verify(),
        IncompleteSignature,
        "Authorization header requires 'Credential' parameter. "
        "Authorization header requires 'Signature' parameter. "
        "Authorization header requires 'SignedHeaders' parameter. "
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
        f"Authorization={jwt}",
    )
    fails(
        lambda: raw([("Authorization", "Bearer abc")]).verify(),
        IncompleteSignature,
        "'abc' not a valid key=value pair (missing equal-sign) in Authorization header: 'Bearer abc'.",
    )


def test_authorization_with_a_space_inside_the_credential_is_not_a_key_value_pair() -> None:
    sent = sign()
    value = sent.header("Authorization").replace("Credential=AKIDALICE/", "Credential=AKIDALICE /")
    fails(
        lambda: sent.with_header("Authorization", value).verify(),
        IncompleteSignature,
        "'/20261126/us-east-1/execute-api/aws4_request' not a valid key=value pair (missing equal-sign) "
        f"in Authorization header: '{value}'.",
    )


def test_unsupported_algorithm_is_an_incomplete_signature() -> None:
    sent = sign()
    value = sent.header("Authorization").replace("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512")
    fails(
        lambda: sent.with_header("Authorization", value).verify(),
        IncompleteSignature,
        "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512' (only AWS4-HMAC-SHA256 for now). ",
    )


def test_credential_without_five_parts_is_an_incomplete_signature() -> None:
    sent = sign()
    value = sent.header("Authorization").replace("/us-east-1/", "/")
    fails(
        lambda: sent.with_header("Authorization", value).verify(),
        IncompleteSignature,
        "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, "
        "got 'AKIDALICE/20261126/execute-api/aws4_request'",
    )


def test_date_not_in_iso_basic_format_is_an_incomplete_signature() -> None:
    sent = sign().with_header("X-Amz-Date", "2026-11-26T00:10:00Z")
    fails(
        sent.verify,
        IncompleteSignature,
        "Date must be in ISO-8601 'basic format'. Got '2026-11-26T00:10:00Z'. "
        "See http://en.wikipedia.org/wiki/ISO_8601",
    )


# --- time and scope ---------------------------------------------------------------------------------


def test_signature_six_minutes_old_has_expired() -> None:
    fails(
        lambda: sign().verify(now=NOW + 6 * MINUTE),
        InvalidSignature,
        "Signature expired: 20261126T001000Z is now earlier than 20261126T001100Z "
        "(20261126T001600Z - 5 min.)",
    )
    assert sign().verify(now=NOW + 5 * MINUTE).credentials is ALICE


def test_signature_six_minutes_in_the_future_is_not_yet_current() -> None:
    fails(
        lambda: sign().verify(now=NOW - 6 * MINUTE),
        InvalidSignature,
        "Signature not yet current: 20261126T001000Z is still later than 20261126T000900Z "
        "(20261126T000400Z + 5 min.)",
    )
    assert sign().verify(now=NOW - 5 * MINUTE).credentials is ALICE


def test_credential_scoped_to_another_service_is_refused() -> None:
    fails(
        sign(service="lambda").verify,
        InvalidSignature,
        "Credential should be scoped to correct service: 'execute-api'. ",
    )


def test_credential_scope_date_must_be_the_request_date() -> None:
    sent = sign().with_header("X-Amz-Date", "20261125T235930Z")  # within 5 min of now, but the day before
    fails(
        lambda: sent.verify(now=NOW - 10 * MINUTE),
        InvalidSignature,
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
        "'20261126' != '20261125', from '20261125T235930Z'.",
    )


def test_region_is_enforced_only_when_the_gateway_names_one() -> None:
    sent = sign(region="eu-west-1")
    assert sent.verify(region="eu-west-1").region == "eu-west-1"
    fails(
        lambda: sent.verify(region="us-east-1"),
        InvalidSignature,
        "Credential should be scoped to a valid region, not 'eu-west-1'. ",
    )


def test_every_scope_problem_is_named_at_once() -> None:
    sent = sign()
    value = sent.header("Authorization").replace(
        "AKIDALICE/20261126/us-east-1/execute-api/aws4_request",
        "AKIDALICE/20261125/us-east-1/s3/aws5_request",
    )
    fails(
        lambda: sent.with_header("Authorization", value).verify(),
        InvalidSignature,
        "Credential should be scoped to correct service: 'execute-api'. "
        "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'. "
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
        "'20261125' != '20261126', from '20261126T001000Z'.",
    )


def test_host_must_be_signed() -> None:
    sent = sign(signer=NoHostAuth)
    assert "host" not in sent.header("Authorization").split("SignedHeaders=")[1].split(",")[0].split(";")
    fails(
        sent.verify,
        InvalidSignature,
        "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
    )
