"""MOCK integration: the status comes from the rendered request template's ``statusCode``."""

from __future__ import annotations

import re
from typing import Final

import orjson

from tollway.dataplane.messages import IntegrationRequest, IntegrationResult

# ``{statusCode: 200}`` (what CDK's CORS preflight writes) is not JSON, yet AWS reads it
# (recorded: test_apigateway_integrations.py::test_integration_mock_with_path_param).
_LOOSE_STATUS: Final = re.compile(r"""[{,]\s*(["']?)statusCode\1\s*:\s*(["']?)(\d{3})\2\s*[,}]""")


class MockIntegration:
    """Answers without a backend, as API Gateway's MOCK integration does.

    AWS reads ``statusCode`` from the JSON the request template produced (or from a
    JavaScript-style object with unquoted keys); with no template, or no ``statusCode`` in
    it, the integration answers 200 and the default integration response is used.
    """

    async def call(self, request: IntegrationRequest) -> IntegrationResult:
        return IntegrationResult(mock_status(request.body), [], b"")


def mock_status(rendered: bytes) -> int:
    if not rendered.strip():
        return 200
    try:
        data = orjson.loads(rendered)
    except orjson.JSONDecodeError:
        loose = _LOOSE_STATUS.search(rendered.decode("utf-8", "replace"))
        return int(loose.group(3)) if loose and 100 <= int(loose.group(3)) <= 599 else 200
    if isinstance(data, dict):
        code = data.get("statusCode")
        if isinstance(code, int) and not isinstance(code, bool) and 100 <= code <= 599:
            return code
        if isinstance(code, str) and code.isdigit() and 100 <= int(code) <= 599:
            return int(code)
    return 200
