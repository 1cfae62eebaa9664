"""AWS_IAM methods through the real `tollway serve`, with requests signed by botocore's own
SigV4 signer: identities from `--identities FILE` and from `tollway identities create` while
the server runs, their policies, the API's resource policy, and every kind of bad credential
answered with AWS's status and message."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator
from pathlib import Path

import botocore.auth
import httpx
import pytest
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from support import REPO, Running, run_cli, start_server

FIXTURES = REPO / "tests" / "fixtures" / "iam"
ALICE = Credentials("AKIAALICE0000000TEST", "alice/secret/key/for/tests/only/0000000000")
MALLORY = Credentials("AKIAMALLORY00000TEST", "mallory/secret/key/for/tests/only/0000000")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    folder = tmp_path_factory.mktemp("iam")
    running = start_server(FIXTURES / "api.yaml", folder, "--identities", str(FIXTURES / "identities.yaml"))
    yield running
    running.stop()


def signed(server: Running, method: str, who: Credentials, *, body: bytes = b"") -> httpx.Response:
    url = f"{server.url}/prod/secure?b=2&a=x%20y"
    request = AWSRequest(method=method, url=url, data=body, headers={"Content-Type": "application/json"})
    SigV4Auth(who, "execute-api", "us-east-1").add_auth(request)
    return httpx.request(method, url, headers=dict(request.headers.items()), content=body, timeout=30)


def test_a_signed_request_of_an_allowed_identity_passes_with_its_identity_in_context(server: Running) -> None:
    answer = signed(server, "GET", ALICE)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "userArn": "arn:aws:iam::123456789012:user/alice",
        "accessKey": "AKIAALICE0000000TEST",
        "accountId": "123456789012",
    }
    assert signed(server, "DELETE", ALICE).status_code == 403  # the resource policy's Deny


def test_an_unsigned_request_is_missing_authentication_token(server: Running) -> None:
    answer = httpx.get(f"{server.url}/prod/secure")
    assert (answer.status_code, answer.json()) == (403, {"message": "Missing Authentication Token"})


def test_an_explicit_deny_in_the_identity_policy_names_the_caller_and_resource(server: Running) -> None:
    answer = signed(server, "POST", ALICE, body=b'{"a": 1}')
    assert answer.status_code == 403
    message = answer.json()["Message"]
    assert message.startswith("User: arn:aws:iam::123456789012:user/alice is not authorized to perform: ")
    assert message.endswith("/prod/POST/secure with an explicit deny")
    assert answer.headers["x-amzn-ErrorType"] == "AccessDeniedException"


def test_another_accounts_identity_needs_the_resource_policy_to_allow_it_too(server: Running) -> None:
    answer = signed(server, "GET", MALLORY)
    assert answer.status_code == 403
    assert "User: arn:aws:iam::999999999999:user/mallory is not authorized" in answer.json()["Message"]
    assert "explicit deny" not in answer.json()["Message"]


def test_a_wrong_secret_is_an_invalid_signature(server: Running) -> None:
    answer = signed(server, "GET", Credentials(ALICE.access_key, "not-the-secret-0000000000000000000000000"))
    assert answer.status_code == 403
    assert answer.json()["message"].startswith("The request signature we calculated does not match")
    assert answer.headers["x-amzn-ErrorType"] == "InvalidSignatureException"


def test_an_unknown_access_key_is_an_invalid_security_token(server: Running) -> None:
    answer = signed(server, "GET", Credentials("AKIAUNKNOWN00000TEST", "x" * 40))
    assert (answer.status_code, answer.json()) == (
        403,
        {"message": "The security token included in the request is invalid."},
    )
    assert answer.headers["x-amzn-ErrorType"] == "UnrecognizedClientException"


def test_a_session_token_the_identity_was_never_issued_is_invalid(server: Running) -> None:
    with_token = Credentials(ALICE.access_key, ALICE.secret_key, token="FwoGZXIvYXdzEOr//////////")
    answer = signed(server, "GET", with_token)
    assert (answer.status_code, answer.json()) == (
        403,
        {"message": "The security token included in the request is invalid"},
    )


def test_a_signature_older_than_five_minutes_has_expired(
    server: Running, monkeypatch: pytest.MonkeyPatch
) -> None:
    earlier = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(seconds=400)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda *args, **kwargs: earlier)
    answer = signed(server, "GET", ALICE)
    assert answer.status_code == 403
    assert answer.json()["message"].startswith("Signature expired: ")


def test_a_tampered_request_fails_its_signature(server: Running) -> None:
    url = f"{server.url}/prod/secure"
    request = AWSRequest(method="GET", url=url)
    SigV4Auth(ALICE, "execute-api", "us-east-1").add_auth(request)
    answer = httpx.get(url + "?extra=1", headers=dict(request.headers.items()))
    assert answer.status_code == 403
    assert answer.headers["x-amzn-ErrorType"] == "InvalidSignatureException"


def test_a_presigned_url_works_and_a_bearer_token_is_not_a_signature(server: Running) -> None:
    request = AWSRequest(method="GET", url=f"{server.url}/prod/secure")
    SigV4QueryAuth(ALICE, "execute-api", "us-east-1", expires=60).add_auth(request)
    assert httpx.get(request.url).status_code == 200
    bearer = httpx.get(f"{server.url}/prod/secure", headers={"Authorization": "Bearer abc"})
    assert bearer.status_code == 403
    assert bearer.headers["x-amzn-ErrorType"] == "IncompleteSignatureException"


def test_an_identity_created_with_the_cli_signs_within_a_second(server: Running, tmp_path: Path) -> None:
    policy = {"Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"}]}
    done = run_cli(
        "--store",
        server.store,
        "identities",
        "create",
        "carol",
        "--access-key-id",
        "AKIACAROL0000000TEST",
        "--secret-access-key",
        "carol/secret/key/for/tests/only/000000000",
        "--policy",
        json.dumps(policy),
    )
    assert done.returncode == 0, done.stderr
    carol = Credentials("AKIACAROL0000000TEST", "carol/secret/key/for/tests/only/000000000")
    deadline = time.monotonic() + 15
    while (answer := signed(server, "GET", carol)).status_code != 200:
        assert time.monotonic() < deadline, answer.text
        time.sleep(0.2)
    out, err = server.stop()[1:]
    assert "carol/secret" not in out + err and "alice/secret" not in out + err
