"""Conformance: ``X-Amzn-Trace-Id`` through API Gateway and into the function, as AWS does it.

One `tollway serve` of fixtures/proxy/proxy.yaml (stage ``test``): ``/path`` is the recording's
MOCK method, ``/{proxy+}`` its Lambda proxy method (the function answers its event and its
``_X_AMZN_TRACE_ID``). X-Ray is off, as in the recording: tollway samples nothing.
"""

from __future__ import annotations

import re

import httpx
import pytest

from proxy_support import gateway_fixture, header_backend, recording

__all__ = ["header_backend"]

TRACE_ID = recording("test_apigateway_common", "TestApiGatewayCommon::test_invocation_trace_id")
XRAY = "https://docs.aws.amazon.com/xray/latest/devguide/xray-services-apigateway.html"
LAMBDA_ENV = "https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html"
FULL_TRACE = "Root=1-3152b799-8954dae64eda91bc9a23a7e8;Parent=7fa8c0f79203be72;Sampled=1"
ROOT_ONLY = "Root=1-3152b799-8954dae64eda91bc9a23a7e8"
NEW_TRACE = re.compile(r"Root=1-([0-9a-f]{8})-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0")


gateway = gateway_fixture("trace")


@pytest.mark.aws(TRACE_ID)
@pytest.mark.parametrize(
    "sent", [None, FULL_TRACE], ids=["normal-req-headers-MOCK", "trace-id-req-headers-MOCK"]
)
def test_mock_answer_has_no_trace_header(gateway: httpx.Client, sent: str | None) -> None:
    response = gateway.get("/path", headers={"x-amzn-trace-id": sent} if sent else {})
    assert response.status_code == 200
    assert "x-amzn-trace-id" not in response.headers


@pytest.mark.aws(TRACE_ID)
def test_lambda_proxy_answer_starts_a_trace_when_the_client_has_none(gateway: httpx.Client) -> None:
    """normal-req-headers-AWS_PROXY; X-Ray's trace id format (version 1, epoch, 96 bits)."""
    response = gateway.get("/proxy-value")
    assert NEW_TRACE.fullmatch(response.headers["x-amzn-trace-id"])


@pytest.mark.aws(XRAY)
def test_a_new_trace_root_carries_the_request_time(gateway: httpx.Client) -> None:
    response = gateway.get("/proxy-value")
    match = NEW_TRACE.fullmatch(response.headers["x-amzn-trace-id"])
    assert match is not None
    epoch_s = response.json()["event"]["requestContext"]["requestTimeEpoch"] // 1000
    assert int(match.group(1), 16) == epoch_s


@pytest.mark.aws(XRAY)
def test_each_request_gets_its_own_trace(gateway: httpx.Client) -> None:
    traces = {gateway.get("/proxy-value").headers["x-amzn-trace-id"] for _ in range(3)}
    assert len(traces) == 3


@pytest.mark.aws(TRACE_ID)
def test_a_clients_full_trace_header_is_continued_as_sent(gateway: httpx.Client) -> None:
    """trace-id-req-headers-AWS_PROXY: the answer holds the trace, and the same Parent."""
    answered = gateway.get("/proxy-value", headers={"x-amzn-trace-id": FULL_TRACE}).headers["x-amzn-trace-id"]
    assert FULL_TRACE in answered
    assert answered.split(";")[1] == "Parent=7fa8c0f79203be72"


@pytest.mark.aws(TRACE_ID)
def test_a_clients_root_gets_a_new_parent(gateway: httpx.Client) -> None:
    """trace-id-small-req-headers-AWS_PROXY."""
    answered = gateway.get("/proxy-value", headers={"x-amzn-trace-id": ROOT_ONLY}).headers["x-amzn-trace-id"]
    assert answered.startswith(f"{ROOT_ONLY};Parent=")
    assert answered.split(";")[1] != "Parent=7fa8c0f79203be72"
    assert re.fullmatch(r"Parent=[0-9a-f]{16}", answered.split(";")[1])


@pytest.mark.aws(XRAY)
@pytest.mark.parametrize("sent", [None, FULL_TRACE, ROOT_ONLY], ids=["new", "full", "root-only"])
def test_the_event_carries_the_trace_the_answer_does(gateway: httpx.Client, sent: str | None) -> None:
    response = gateway.get("/proxy-value", headers={"x-amzn-trace-id": sent} if sent else {})
    headers = response.json()["event"]["multiValueHeaders"]
    assert headers["X-Amzn-Trace-Id"] == [response.headers["x-amzn-trace-id"]]


@pytest.mark.aws(LAMBDA_ENV)
@pytest.mark.parametrize("sent", [None, FULL_TRACE], ids=["new", "full"])
def test_the_function_runs_under_that_trace_in_x_amzn_trace_id(
    gateway: httpx.Client, sent: str | None
) -> None:
    """``_X_AMZN_TRACE_ID``: the X-Ray tracing header, set by Lambda for each invocation."""
    response = gateway.get("/proxy-value", headers={"x-amzn-trace-id": sent} if sent else {})
    assert response.json()["traceEnv"] == response.headers["x-amzn-trace-id"]
