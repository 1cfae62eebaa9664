"""A Cognito user pool declared in the template itself (issue 11, item 5).

``AWS::Cognito::UserPool`` gets an id in Cognito's shape (``us-east-1_`` and 9 letters or
digits, stable per logical id), so ``Fn::GetAtt Pool.Arn`` in an authorizer is a well-formed
``arn:aws:cognito-idp:REGION:ACCOUNT:userpool/ID`` whose issuer
(``https://cognito-idp.REGION.amazonaws.com/ID``) `serve` names, and which
``--user-pool-issuer ARN=URL`` maps to a local issuer. A genuine token past its ``exp``
answers 401 ``{"message":"The incoming token has expired"}``, as AWS does.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from support import Running, start_server, write

# What the pool of logical id "UserPool" is, on every machine and every import.
POOL_ID = "us-east-1_s83dfIiDS"
POOL_ARN = f"arn:aws:cognito-idp:us-east-1:123456789012:userpool/{POOL_ID}"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)

TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Resources:
  UserPool:
    Type: AWS::Cognito::UserPool
    Properties: {UserPoolName: shop-users}
  UserPoolClient:
    Type: AWS::Cognito::UserPoolClient
    Properties: {UserPoolId: !Ref UserPool}
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      Auth:
        DefaultAuthorizer: Pool
        Authorizers:
          Pool: {UserPoolArn: !GetAtt UserPool.Arn}
      DefinitionBody:
        openapi: "3.0.1"
        info: {title: pool-in-template, version: "1"}
        paths:
          /me:
            get:
              x-amazon-apigateway-integration:
                type: mock
                requestTemplates: {application/json: '{"statusCode": 200}'}
                responses:
                  default:
                    statusCode: "200"
                    responseTemplates:
                      application/json: '{"sub": "$context.authorizer.claims.sub"}'
"""


class Issuer:
    """The pool's issuer on loopback: serves /.well-known/jwks.json and signs tokens."""

    def __init__(self) -> None:
        jwk = json.loads(RSAAlgorithm.to_jwk(KEY.public_key()))
        jwk.update({"kid": "k1", "alg": "RS256", "use": "sig"})
        body = json.dumps({"keys": [jwk]}).encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def token(self, **claims: Any) -> str:
        now = int(time.time())
        body = {"sub": "user-7", "iss": self.url, "token_use": "id", "iat": now, "exp": now + 600, **claims}
        return jwt.encode(body, KEY, algorithm="RS256", headers={"kid": "k1"})


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write(tmp_path_factory.mktemp("pool") / "template.yaml", TEMPLATE)


@pytest.fixture(scope="module")
def issuer() -> Iterator[Issuer]:
    running = Issuer()
    yield running
    running.server.shutdown()


@pytest.fixture(scope="module")
def server(template: Path, issuer: Issuer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    running = start_server(
        template, tmp_path_factory.mktemp("store"), "--user-pool-issuer", f"{POOL_ARN}={issuer.url}"
    )
    yield running
    running.stop()


def _me(server: Running, token: str) -> httpx.Response:
    return httpx.get(f"{server.url}/prod/me", headers={"Authorization": token}, timeout=30)


def test_serve_names_the_pool_by_a_well_formed_arn_and_its_cognito_issuer(
    template: Path, tmp_path: Path
) -> None:
    running = start_server(template, tmp_path)
    # An answer means start-up (and its warnings) is over: the workers answer after it.
    assert httpx.get(f"{running.url}/prod/me", timeout=30).status_code == 401
    _, _, err = running.stop()

    assert re.fullmatch(r"us-east-1_[0-9A-Za-z]{9}", POOL_ID)
    assert (
        f"user pool {POOL_ARN} has no --user-pool-issuer; its tokens are checked against "
        f"https://cognito-idp.us-east-1.amazonaws.com/{POOL_ID}, which cannot be reached offline"
    ) in err


def test_the_template_pool_arn_maps_to_a_local_issuer(server: Running, issuer: Issuer) -> None:
    answer = _me(server, issuer.token())
    assert (answer.status_code, answer.json()) == (200, {"sub": "user-7"})


def test_an_expired_token_answers_the_incoming_token_has_expired(server: Running, issuer: Issuer) -> None:
    """AWS: 401 {"message":"The incoming token has expired"} for a user pool token past exp."""
    now = int(time.time())
    answer = _me(server, issuer.token(exp=now - 60, iat=now - 3660))
    assert (answer.status_code, answer.json()) == (401, {"message": "The incoming token has expired"})
    assert answer.headers["x-amzn-ErrorType"] == "UnauthorizedException"


def test_an_expired_token_of_another_key_is_plain_unauthorized(server: Running, issuer: Issuer) -> None:
    """Only a genuine token is said to have expired; a forged one learns nothing."""
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = int(time.time())
    claims = {"sub": "x", "iss": issuer.url, "token_use": "id", "exp": now - 60}
    forged = jwt.encode(claims, other, algorithm="RS256", headers={"kid": "k1"})
    answer = _me(server, forged)
    assert (answer.status_code, answer.json()) == (401, {"message": "Unauthorized"})
