"""MOCK integration: the status comes from the rendered request template's ``statusCode``."""

from __future__ import annotations

import orjson

from tollway.dataplane.context import IntegrationRequest, IntegrationResult


class MockIntegration:
    """Answers without a backend, as API Gateway's MOCK integration does.

    AWS reads ``statusCode`` from the JSON the request template produced; with no
    template (or no ``statusCode`` in it) the integration answers 200.
    """

    async def call(self, request: IntegrationRequest) -> IntegrationResult:
        return IntegrationResult(mock_status(request.body), [], b"")


def mock_status(rendered: bytes) -> int:
    if not rendered.strip():
        return 200
    try:
        data = orjson.loads(rendered)
    except orjson.JSONDecodeError:
        return 200
    if isinstance(data, dict):
        code = data.get("statusCode")
        if isinstance(code, int) and 100 <= code <= 599:
            return code
        if isinstance(code, str) and code.isdigit() and 100 <= int(code) <= 599:
            return int(code)
    return 200
