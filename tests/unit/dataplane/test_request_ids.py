"""Request ids have AWS's shapes and do not repeat."""

from __future__ import annotations

import re
import uuid

from tollway.dataplane.request_ids import extended_request_id, request_id


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
