"""Stage and account throttling through the real `tollway serve`, without any API key:
a SAM template's MethodSettings (``*/*`` for every method, a method's own setting over it)
and the account-level limit of ``--account-rate`` / ``--account-burst``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from support import run_cli, write

TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      MethodSettings:
        - ResourcePath: "/*"
          HttpMethod: "*"
          ThrottlingRateLimit: 0.001
          ThrottlingBurstLimit: 2
        - ResourcePath: "/~1roomy"
          HttpMethod: GET
          ThrottlingBurstLimit: 4
      DefinitionBody:
        openapi: "3.0.1"
        info: {title: throttled, version: "1"}
        paths:
          /tight:
            get:
              x-amazon-apigateway-integration: &mock
                type: mock
                requestTemplates: {application/json: '{"statusCode": 200}'}
                responses: {default: {statusCode: "200"}}
            post: {x-amazon-apigateway-integration: *mock}
          /roomy:
            get: {x-amazon-apigateway-integration: *mock}
"""

OPEN_API = """
openapi: "3.0.1"
info: {title: plain, version: "1"}
paths:
  /free:
    get:
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses: {default: {statusCode: "200"}}
"""


def _statuses(method: str, url: str, count: int) -> list[int]:
    with httpx.Client() as http:
        return [http.request(method, url).status_code for _ in range(count)]


def test_stage_method_settings_throttle_each_method_in_its_own_bucket(serve: Any, tmp_path: Path) -> None:
    server = serve(str(write(tmp_path / "template.yaml", TEMPLATE)))
    assert _statuses("GET", f"{server.url}/prod/tight", 3) == [200, 200, 429]
    assert _statuses("POST", f"{server.url}/prod/tight", 3) == [200, 200, 429]  # */* per method
    assert _statuses("GET", f"{server.url}/prod/roomy", 5) == [200, 200, 200, 200, 429]  # its own burst
    answer = httpx.get(f"{server.url}/prod/tight")
    assert answer.json() == {"message": "Too Many Requests"}
    assert answer.headers["x-amzn-ErrorType"] == "TooManyRequestsException"


def test_the_account_limit_of_the_server_throttles_every_api(serve: Any, tmp_path: Path) -> None:
    api = write(tmp_path / "plain.yaml", OPEN_API)
    server = serve(str(api), "--account-rate", "0", "--account-burst", "3")
    assert _statuses("GET", f"{server.url}/prod/free", 4) == [200, 200, 200, 429]
    assert httpx.get(f"{server.url}/prod/free").json() == {"message": "Too Many Requests"}


def test_a_bad_account_limit_is_refused_with_the_option_named() -> None:
    done = run_cli("serve", "--account-rate", "-1")
    assert done.returncode == 2
    assert "argument --account-rate: must be a number >= 0, not '-1'" in done.stderr
