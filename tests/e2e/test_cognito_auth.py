"""COGNITO_USER_POOLS authorizers through the real `tollway serve`, with real tokens: a test
key pair whose JWKS a real HTTP server on loopback serves as the user pool's issuer
(`--user-pool-issuer ARN=URL`). Good tokens pass with their claims in $context; every kind of
bad token is 401 {"message":"Unauthorized"} (an expired one has its own message: see
test_user_pool_template.py)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from jwt.algorithms import RSAAlgorithm

from support import REPO, JwksServer, Running, start_server

POOL = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Tollway"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


class Issuer(JwksServer):
    """A user pool's issuer on loopback: serves /.well-known/jwks.json."""

    def __init__(self) -> None:
        super().__init__(json.loads(RSAAlgorithm.to_jwk(KEY.public_key())))

    def token(self, key: Any = KEY, headers: dict[str, Any] | None = None, **claims: Any) -> str:
        now = int(time.time())
        body = {
            "sub": "user-42",
            "email": "ann@example.com",
            "iss": self.url,
            "aud": "app-client",
            "token_use": "id",
            "iat": now,
            "exp": now + 600,
            **claims,
        }
        return jwt.encode(body, key, algorithm="RS256", headers={"kid": "k1", **(headers or {})})


@pytest.fixture(scope="module")
def issuer() -> Iterator[Issuer]:
    running = Issuer()
    yield running
    running.server.shutdown()


@pytest.fixture(scope="module")
def server(issuer: Issuer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    template = REPO / "tests" / "fixtures" / "cognito" / "template.yaml"
    folder: Path = tmp_path_factory.mktemp("cognito")
    running = start_server(template, folder, "--user-pool-issuer", f"{POOL}={issuer.url}")
    yield running
    running.stop()


def me(server: Running, token: str | None) -> httpx.Response:
    headers = {"Authorization": token} if token is not None else {}
    return httpx.get(f"{server.url}/prod/me", headers=headers, timeout=30)


def test_a_valid_id_token_passes_with_its_claims_in_context(server: Running, issuer: Issuer) -> None:
    answer = me(server, issuer.token())
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"sub": "user-42", "email": "ann@example.com"}
    assert me(server, "Bearer " + issuer.token()).status_code == 200


def _forged(issuer: Issuer, alg: str) -> str:
    """A token with the right claims, not signed by the issuer's key: ``none`` (no
    signature) or ``HS256`` keyed with the issuer's public key PEM (the HS/RS confusion)."""
    claims = {"sub": "user-42", "iss": issuer.url, "token_use": "id", "exp": int(time.time()) + 600}
    head = {"alg": alg, "kid": "k1", "typ": "JWT"}
    signing_input = ".".join(_b64(json.dumps(part).encode()) for part in (head, claims))
    if alg == "none":
        return signing_input + "."
    pem = KEY.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    signature = hmac.new(pem, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.mark.parametrize(
    "bad",
    [
        "missing",
        "garbage",
        "not yet valid",
        "other key",
        "other issuer",
        "access token",
        "alg none",
        "hs256 with the public key",
        "jku to the attacker's keys",
        "unknown kid",
    ],
)
def test_bad_tokens_are_401_unauthorized(server: Running, issuer: Issuer, bad: str) -> None:
    now = int(time.time())
    tokens: dict[str, str | None] = {
        "missing": None,
        "garbage": "not.a.jwt",
        "not yet valid": issuer.token(nbf=now + 3600),
        "other key": issuer.token(key=OTHER_KEY),
        "other issuer": issuer.token(iss="https://evil.example.com"),
        "access token": issuer.token(token_use="access"),  # no scopes on the method: ID token only
        "alg none": _forged(issuer, "none"),
        "hs256 with the public key": _forged(issuer, "HS256"),
        # signed by another key whose JWKS the header points at: the issuer's keys decide
        "jku to the attacker's keys": issuer.token(key=OTHER_KEY, headers={"jku": "http://127.0.0.1:9/jwks"}),
        "unknown kid": issuer.token(headers={"kid": "rotated-away"}),
    }
    answer = me(server, tokens[bad])
    assert (answer.status_code, answer.json()) == (401, {"message": "Unauthorized"})
