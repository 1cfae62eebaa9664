"""REST API response streaming integrations name their function as invocations do."""

from __future__ import annotations

from tollway.functions.runtime.arn import FunctionRef, function_from_uri


def test_a_response_streaming_uri_names_its_function() -> None:
    """AWS: ``.../lambda:path/2021-11-15/functions/ARN/response-streaming-invocations``."""
    uri = (
        "arn:aws:apigateway:us-east-1:lambda:path/2021-11-15/functions/"
        "arn:aws:lambda:us-east-1:123456789012:function:StreamingFunction:live/response-streaming-invocations"
    )
    assert function_from_uri(uri) == FunctionRef("StreamingFunction", "live")


def test_other_paths_are_still_not_lambda_invocations() -> None:
    uri = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:::function:F/other"
    assert function_from_uri(uri) is None
