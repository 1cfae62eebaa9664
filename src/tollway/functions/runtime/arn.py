"""Function names in integration URIs and ARNs.

API Gateway names a Lambda function in an integration URI as
``arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/FUNCTION_ARN/invocations``, where
``FUNCTION_ARN`` is ``arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]`` (the qualifier
may come from a stage variable, substituted before this is read). The response streaming
form (``path/2021-11-15/functions/FUNCTION_ARN/response-streaming-invocations``) names the
function the same way; tollway invokes it and answers the response buffered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_INVOCATION_URI = re.compile(
    r"arn:aws[\w-]*:apigateway:[\w-]*:lambda:path/[\d-]+/functions/(?P<arn>.+)"
    r"/(?:response-streaming-)?invocations"
)
_FUNCTION_ARN = re.compile(
    r"arn:aws[\w-]*:lambda:[\w-]*:\d*:function:(?P<name>[A-Za-z0-9_-]+)(?::(?P<qualifier>[A-Za-z0-9_$-]+))?"
)
_NAME = re.compile(r"(?P<name>[A-Za-z0-9_-]+)(?::(?P<qualifier>[A-Za-z0-9_$-]+))?")


@dataclass(frozen=True, slots=True)
class FunctionRef:
    """A function and the version or alias asked for (None: ``$LATEST``)."""

    name: str
    qualifier: str | None = None

    def __str__(self) -> str:
        return f"{self.name}:{self.qualifier}" if self.qualifier else self.name


def function_from_uri(uri: str) -> FunctionRef | None:
    """The function an integration URI invokes, or None when it is not a Lambda invocation URI."""
    match = _INVOCATION_URI.fullmatch(uri.strip())
    if match is None:
        return None
    return parse_function(match["arn"])


def parse_function(text: str) -> FunctionRef | None:
    """A function ARN, ``NAME`` or ``NAME:QUALIFIER``, as the Invoke API accepts them."""
    match = _FUNCTION_ARN.fullmatch(text) or _NAME.fullmatch(text)
    if match is None:
        return None
    return FunctionRef(match["name"], match["qualifier"])
