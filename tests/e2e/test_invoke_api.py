"""End to end: Lambda's Invoke API on the gateway port, driven by boto3 (issue 4, item 7).

`POST /2015-03-31/functions/{name}/invocations` with RequestResponse, Event and DryRun,
`X-Amz-Function-Error` and `X-Amz-Log-Type: Tail`. Fixture: tests/fixtures/e2e_functions/proxy/.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from e2e.polling import wait_until
from support import REPO, Running, start_server

PROXY = REPO / "tests" / "fixtures" / "e2e_functions" / "proxy" / "template.yaml"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    folder = tmp_path_factory.mktemp("invoke")
    running = start_server(PROXY, folder)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def client(server: Running) -> Any:
    return boto3.client(
        "lambda",
        endpoint_url=server.url,
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="x",
        config=Config(retries={"max_attempts": 0}, read_timeout=60),
    )


def test_request_response_returns_the_payload(client: Any) -> None:
    """RequestResponse: 200, the function's JSON result, the executed version, no FunctionError."""
    result = client.invoke(FunctionName="GreetFunction", Payload=json.dumps({"name": "Ada"}))
    assert result["StatusCode"] == 200
    assert result["ExecutedVersion"] == "$LATEST"
    assert "FunctionError" not in result
    assert json.loads(result["Payload"].read()) == {"greeting": "hello Ada"}


def test_function_error_is_unhandled_with_lambdas_error_document(client: Any) -> None:
    """An exception: still 200, `FunctionError: Unhandled`, payload errorMessage/errorType/stackTrace."""
    result = client.invoke(FunctionName="BoomFunction", Payload=b"{}")
    assert (result["StatusCode"], result["FunctionError"]) == (200, "Unhandled")
    error = json.loads(result["Payload"].read())
    assert (error["errorMessage"], error["errorType"]) == ("boom", "ValueError")
    assert isinstance(error["stackTrace"], list) and error["stackTrace"]


def test_log_type_tail_returns_the_invocation_log_in_base64(client: Any) -> None:
    """LogType Tail: LogResult is base64 of the invocation's log, START ... END ... REPORT."""
    result = client.invoke(FunctionName="GreetFunction", Payload=json.dumps({"name": "Tail"}), LogType="Tail")
    lines = base64.b64decode(result["LogResult"]).decode().splitlines()
    start = re.fullmatch(r"START RequestId: (\S+) Version: \$LATEST", lines[0])
    assert start is not None
    rid = start[1]
    assert lines[1:3] == ["greeting Tail", f"END RequestId: {rid}"]
    assert lines[3].startswith(f"REPORT RequestId: {rid}\tDuration: ")
    assert len(lines) == 4
    assert result["ResponseMetadata"]["RequestId"] == rid


def test_event_invocation_is_accepted_with_202_and_runs_in_the_background(
    client: Any, tmp_path: Path
) -> None:
    """InvocationType Event: 202 at once, empty payload; the function still runs."""
    target = tmp_path / "written.txt"
    payload = json.dumps({"name": "later", "write_to": str(target)})
    result = client.invoke(FunctionName="GreetFunction", InvocationType="Event", Payload=payload)
    assert result["StatusCode"] == 202
    assert result["Payload"].read() == b""
    wait_until(
        lambda: target.exists() and target.read_text() == "written by GreetFunction",
        timeout=30,
        what=f"the background invocation to finish writing {target}",
    )
    assert target.read_text() == "written by GreetFunction"


def test_dry_run_is_204_and_does_not_run_the_function(client: Any, tmp_path: Path) -> None:
    """InvocationType DryRun: 204, nothing invoked."""
    target = tmp_path / "never.txt"
    payload = json.dumps({"write_to": str(target)})
    result = client.invoke(FunctionName="GreetFunction", InvocationType="DryRun", Payload=payload)
    assert result["StatusCode"] == 204
    # Had the dry run been queued, it would have run before this synchronous invocation ends.
    after = tmp_path / "after.txt"
    done = client.invoke(FunctionName="GreetFunction", Payload=json.dumps({"write_to": str(after)}))
    assert done["StatusCode"] == 200 and after.exists()
    assert not target.exists()


def test_unknown_function_is_resource_not_found(client: Any) -> None:
    """An unknown name: ResourceNotFoundException (404) naming the function's ARN."""
    with pytest.raises(client.exceptions.ResourceNotFoundException) as caught:
        client.invoke(FunctionName="NoSuchFunction", Payload=b"{}")
    error = caught.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert "arn:aws:lambda:us-east-1:123456789012:function:NoSuchFunction" in error["Error"]["Message"]


@pytest.mark.parametrize("kind", ["Event", "DryRun"])
def test_unknown_function_is_not_found_for_event_and_dry_run_too(client: Any, kind: str) -> None:
    """Lambda validates the function before queueing an Event invocation (and DryRun exists
    to validate): 404 ResourceNotFoundException, not 202/204."""
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.invoke(FunctionName="NoSuchFunction", InvocationType=kind, Payload=b"{}")


def test_qualified_names_and_arns_are_accepted(client: Any) -> None:
    """FunctionName as an ARN, and Qualifier $LATEST."""
    arn = "arn:aws:lambda:us-east-1:123456789012:function:GreetFunction"
    by_arn = client.invoke(FunctionName=arn, Payload=json.dumps({"name": "arn"}))
    assert json.loads(by_arn["Payload"].read()) == {"greeting": "hello arn"}
    latest = client.invoke(FunctionName="GreetFunction", Qualifier="$LATEST", Payload=b'{"name": "q"}')
    assert latest["ExecutedVersion"] == "$LATEST"
    assert json.loads(latest["Payload"].read()) == {"greeting": "hello q"}
