"""Request ids have AWS's shapes and do not repeat."""

from __future__ import annotations

import re
import uuid

import pytest

from tollway.dataplane.request_ids import extended_request_id, request_id, trace_id


def test_request_id_is_a_version_4_uuid_like_aws_x_amzn_requestid() -> None:
    ids = {request_id() for _ in range(2000)}
    assert len(ids) == 2000
    for value in list(ids)[:200]:
        parsed = uuid.UUID(value)
        assert (parsed.version, parsed.variant, str(parsed)) == (4, uuid.RFC_4122, value)


def test_extended_request_id_is_16_base64_characters_like_x_amz_apigw_id() -> None:
    ids = {extended_request_id() for _ in range(2000)}
    assert len(ids) == 2000
    assert all(re.fullmatch(r"[A-Za-z0-9+/]{15}=", value) for value in ids)


TRACE = re.compile(r"Root=1-([0-9a-f]{8})-([0-9a-f]{24});Parent=([0-9a-f]{16});Sampled=0")


def test_a_request_without_a_trace_gets_a_new_x_ray_trace_of_its_time() -> None:
    """X-Ray's format: version 1, the request's epoch in 8 hex digits, 96 random bits."""
    traces = {trace_id(None, 1_700_000_000) for _ in range(500)}
    assert len(traces) == 500
    for value in traces:
        match = TRACE.fullmatch(value)
        assert match is not None and int(match.group(1), 16) == 1_700_000_000


@pytest.mark.parametrize(
    "incoming",
    [
        "Root=1-3152b799-8954dae64eda91bc9a23a7e8;Parent=7fa8c0f79203be72;Sampled=1",
        "Root=1-3152b799-8954dae64eda91bc9a23a7e8;Parent=7fa8c0f79203be72",
        "root=1-3152b799-8954dae64eda91bc9a23a7e8; parent=7fa8c0f79203be72;sampled=0;Self=1-x",
    ],
)
def test_a_clients_root_and_parent_come_back_as_sent(incoming: str) -> None:
    """Recorded against AWS (test_invocation_trace_id): the same Root, the same Parent."""
    assert trace_id(f" {incoming} ", 0) == incoming


@pytest.mark.parametrize(("sampled", "expected"), [("", "0"), (";Sampled=1", "1"), (";Sampled=?", "?")])
def test_a_clients_root_alone_gets_a_new_parent(sampled: str, expected: str) -> None:
    value = trace_id(f"Root=1-3152b799-8954dae64eda91bc9a23a7e8{sampled}", 0)
    assert re.fullmatch(
        rf"Root=1-3152b799-8954dae64eda91bc9a23a7e8;Parent=[0-9a-f]{{16}};Sampled={re.escape(expected)}",
        value,
    )


@pytest.mark.parametrize("incoming", ["", "garbage", "Parent=7fa8c0f79203be72", "Root=;Parent=1"])
def test_a_header_without_a_root_starts_a_new_trace(incoming: str) -> None:
    assert TRACE.fullmatch(trace_id(incoming, 0))
