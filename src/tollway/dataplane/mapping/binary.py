"""Binary media types and content handling, as API Gateway REST APIs convert payloads.

The rules are AWS's two conversion tables ("Content type conversions in API Gateway"):
the request side is decided by the request's ``Content-Type`` against the API's
``binaryMediaTypes`` and the integration's ``contentHandling``; the response side by the
client's *first* ``Accept`` media type, the integration response's content type and the
integration response's ``contentHandling``. A failed base64 decode is an API configuration
error (500).

A request template is applied to text only: a binary payload (its Content-Type is a binary
media type) reaches a template only as the base64 text that ``CONVERT_TO_TEXT`` makes of it.
Otherwise AWS fails the call with 500 "Internal server error" (execution log: "Unable to
transform request"); that is also why a MOCK method, whose template always runs, answers 500
in an API with ``binaryMediaTypes: ["*/*"]`` unless its integration converts to text.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence

from tollway.errors import ApiConfigurationError

CONVERT_TO_BINARY = "CONVERT_TO_BINARY"
CONVERT_TO_TEXT = "CONVERT_TO_TEXT"
DEFAULT_CONTENT_TYPE = "application/json"  # what AWS assumes when a payload has no Content-Type


def media_type(value: str | None) -> str | None:
    """``type/subtype`` of a Content-Type or of the first entry of an Accept header, lower-cased."""
    if not value:
        return None
    first = value.split(",", 1)[0].split(";", 1)[0].strip().lower()
    return first or None


class BinaryTypes:
    """An API's ``binaryMediaTypes``, compiled once per deployment.

    Only the configured side has wildcards (``image/*``, ``*/*``); a client's ``Accept: */*``
    is not expanded, so it matches only a configured ``*/*``. ``~1`` (how AWS escapes ``/``
    in patch paths and some exports) is read as ``/``.
    """

    def __init__(self, binary_media_types: Sequence[str]) -> None:
        exact: set[str] = set()
        families: set[str] = set()
        self.any = False
        for raw in binary_media_types:
            pattern = media_type(raw.replace("~1", "/"))
            if pattern is None:
                continue
            kind, _, sub = pattern.partition("/")
            if kind == "*" and sub == "*":
                self.any = True
            elif sub == "*":
                families.add(kind)
            else:
                exact.add(pattern)
        self.configured = bool(exact or families or self.any)
        self._exact = frozenset(exact)
        self._families = frozenset(families)

    def is_binary(self, content_type: str | None) -> bool:
        """True when the media type (parameters ignored) is one of the binary media types."""
        mtype = media_type(content_type)
        if mtype is None or not self.configured:
            return False
        if self.any or mtype in self._exact:
            return True
        return mtype.partition("/")[0] in self._families


def template_refuses(content_type: str | None, binary: BinaryTypes, content_handling: str | None) -> bool:
    """True when a request template cannot be applied to this payload (binary, not converted
    to text): the request fails with 500 "Unable to transform request"."""
    return content_handling != CONVERT_TO_TEXT and binary.is_binary(content_type or DEFAULT_CONTENT_TYPE)


def convert_request_body(
    body: bytes, content_type: str | None, binary: BinaryTypes, content_handling: str | None
) -> tuple[bytes, str]:
    """The integration request payload and its text form (``$input.body`` of a template).

    Text payload: passes as UTF-8 text, or is base64-decoded with CONVERT_TO_BINARY. Binary
    payload (its Content-Type is a binary media type): passes untouched, or is base64-encoded
    with CONVERT_TO_TEXT. A missing Content-Type counts as application/json.
    """
    if binary.is_binary(content_type or DEFAULT_CONTENT_TYPE):
        if content_handling == CONVERT_TO_TEXT:
            encoded = base64.b64encode(body)
            return encoded, encoded.decode("ascii")
        return body, body.decode("utf-8", "replace")
    if content_handling == CONVERT_TO_BINARY:
        decoded = b64decode(body)
        return decoded, decoded.decode("utf-8", "replace")
    try:
        return body, body.decode("utf-8")
    except UnicodeDecodeError:
        text = body.decode("utf-8", "replace")
        return text.encode("utf-8"), text


def convert_response_body(
    body: bytes,
    *,
    accept: str | None,
    response_content_type: str | None,
    binary: BinaryTypes,
    content_handling: str | None,
    proxy: bool,
) -> bytes:
    """The method response payload for an integration response payload.

    ``proxy`` (HTTP_PROXY) passes bytes through unchanged. Otherwise the payload is binary when
    ``response_content_type`` (default application/json) is a binary media type, and the client
    wants binary when its first ``Accept`` type is one:

    ========  =======  ==================  ==================  ==================
    payload   client   no contentHandling  CONVERT_TO_BINARY   CONVERT_TO_TEXT
    ========  =======  ==================  ==================  ==================
    text      text     text                base64-decoded      text
    text      binary   base64-decoded      base64-decoded      text
    binary    text     base64-encoded      binary              base64-encoded
    binary    binary   binary              binary              base64-encoded
    ========  =======  ==================  ==================  ==================

    With no ``binaryMediaTypes`` every payload is text, so binary bytes come out as AWS sends
    them: read as UTF-8 with invalid sequences replaced.
    """
    if proxy:
        return body
    if binary.is_binary(response_content_type or DEFAULT_CONTENT_TYPE):
        if content_handling == CONVERT_TO_TEXT:
            return base64.b64encode(body)
        if content_handling == CONVERT_TO_BINARY or binary.is_binary(accept):
            return body
        return base64.b64encode(body)
    if content_handling == CONVERT_TO_BINARY:
        return b64decode(body)
    if content_handling is None and binary.is_binary(accept):
        return b64decode(body)
    return as_utf8(body)


def b64decode(data: bytes) -> bytes:
    """Base64-decode a text payload; not valid base64 is a 500 API configuration error."""
    try:
        return base64.b64decode(b"".join(data.split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ApiConfigurationError(detail=f"base64 decoding of the payload failed: {exc}") from None


def as_utf8(body: bytes) -> bytes:
    """``body`` as a UTF-8 string would carry it (invalid sequences become U+FFFD)."""
    try:
        body.decode("utf-8")
        return body
    except UnicodeDecodeError:
        return body.decode("utf-8", "replace").encode("utf-8")
