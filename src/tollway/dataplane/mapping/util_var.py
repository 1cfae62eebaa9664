"""``$util`` of API Gateway mapping templates.

AWS runs these in Java; each function reproduces the Java library behaviour:
``escapeJavaScript`` is Apache Commons ``StringEscapeUtils.escapeJavaScript`` (the AWS
docs quote its description), ``urlEncode``/``urlDecode`` are ``java.net.URLEncoder``/
``URLDecoder`` with UTF-8, ``base64Encode``/``base64Decode`` are ``java.util.Base64``
over UTF-8 bytes.

A null argument gives null (which prints empty): AWS renders
``$util.urlEncode($input.body.missing)`` as nothing (recorded:
``test_apigateway_common.py::TestApiGatewayCommon::test_input_body_formatting``).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any, Final
from urllib.parse import quote_plus, unquote_plus

from tollway.dataplane.mapping.values import java_str

__all__ = ["UTIL", "UtilVar", "escape_javascript"]

_SHORT_ESCAPES: Final = {
    "'": "\\'",
    '"': '\\"',
    "\\": "\\\\",
    "/": "\\/",
    "\b": "\\b",
    "\n": "\\n",
    "\t": "\\t",
    "\f": "\\f",
    "\r": "\\r",
}
# Everything Commons Lang escapes: quotes, backslash, slash, controls, non-ASCII.
_NEEDS_ESCAPE: Final = re.compile("[\x00-\x1f'\"\\\\/\u0080-\U0010ffff]")
_BAD_PERCENT: Final = re.compile(r"%(?![0-9A-Fa-f]{2})")


def _escape_char(match: re.Match[str]) -> str:
    char = match.group()
    short = _SHORT_ESCAPES.get(char)
    if short is not None:
        return short
    code = ord(char)
    if code > 0xFFFF:  # Java strings are UTF-16: one escape per surrogate
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04X}\\u{0xDC00 + (code & 0x3FF):04X}"
    return f"\\u{code:04X}"


def escape_javascript(text: str) -> str:
    """``StringEscapeUtils.escapeJavaScript``: ``'`` -> ``\\'``, ``"`` -> ``\\"``, ``/`` -> ``\\/``,
    control characters as ``\\n``/``\\u001F``, non-ASCII as ``\\u00E9``."""
    return _NEEDS_ESCAPE.sub(_escape_char, text)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else java_str(value)


class UtilVar:
    """The ``$util`` object. Stateless; one shared instance (``UTIL``)."""

    __slots__ = ()

    def escapeJavaScript(self, value: Any) -> str | None:
        """Escape with JavaScript string rules (a null argument stays null)."""
        return None if value is None else escape_javascript(_text(value))

    def parseJson(self, value: Any) -> Any:
        """Parse stringified JSON into an object the template can navigate (null stays null).

        Objects and arrays are the same kind of values as ``$input.path`` gives, so they
        print the same way: an object as a Java map (``{a=1}``), an array as JSON."""
        if value is None:
            return None
        return json.loads(_text(value))

    def urlEncode(self, value: Any) -> str | None:
        """``application/x-www-form-urlencoded``: space -> ``+``, keeps ``. - * _``."""
        if value is None:
            return None
        # Python also keeps "~", which Java's URLEncoder encodes.
        return quote_plus(_text(value), safe="*").replace("~", "%7E")

    def urlDecode(self, value: Any) -> str | None:
        """Decode form encoding; a malformed ``%`` escape fails like Java's URLDecoder."""
        if value is None:
            return None
        text = _text(value)
        if _BAD_PERCENT.search(text):
            raise ValueError(f"urlDecode: incomplete or illegal % escape in {text!r}")
        return unquote_plus(text, errors="replace")

    def base64Encode(self, value: Any) -> str | None:
        """Standard base64 (with padding) of the UTF-8 bytes."""
        if value is None:
            return None
        return base64.b64encode(_text(value).encode()).decode("ascii")

    def base64Decode(self, value: Any) -> str | None:
        """Decode standard base64 (padding optional) to UTF-8 text."""
        if value is None:
            return None
        text = _text(value)
        try:
            raw = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
        except binascii.Error as exc:
            raise ValueError(f"base64Decode: illegal base64 input: {exc}") from None
        return raw.decode("utf-8", errors="replace")


UTIL: Final = UtilVar()
