"""One spelling per path, before routing: what routing matches is what authorization decides
on and what the integration receives.

Decided here (AWS documents no normalisation): percent-encoded unreserved characters are
decoded (``%61dmin`` is ``admin``), empty segments are dropped (``//admin`` is ``/admin``),
and ``.`` / ``..`` segments are resolved as RFC 3986 does, never above the stage root. Case
is kept: paths are case-sensitive, as in API Gateway, so ``/Admin`` is another path (403
Missing Authentication Token).

Refused with 400 (``BadRequest``), because no one spelling of them is safe: an encoded slash
(``%2F``) or backslash (``%5C``), a raw backslash, and an encoded NUL (``%00``). Each means
one path to the gateway and another to a backend that decodes it or treats ``\\`` as ``/``
(a ``{proxy+}`` value of ``..%2Fadmin`` reaches the backend as ``../admin``); AWS documents
nothing for them, Google's API Gateway documents this very bypass (``path-templating``).
"""

from __future__ import annotations

import re

from tollway.errors import BadRequest

_UNRESERVED_ESCAPE = re.compile(r"%(2[dDeE]|3[0-9]|[46][1-9a-fA-F]|[57][0-9aA]|5[fF]|7[eE])")
_REFUSED = re.compile(r"\\|%(2[fF]|5[cC]|00)")


def normalize_path(path: str) -> str:
    """``path`` (``/...``, percent-encoded) in its one normal spelling; ``BadRequest`` for a
    path no spelling makes safe (see the module)."""
    if "%" not in path and "//" not in path and "/." not in path and "\\" not in path:
        return path  # the common case costs four scans
    if _REFUSED.search(path) is not None:
        raise BadRequest()
    if "%" in path:
        path = _UNRESERVED_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), path)
    kept: list[str] = []
    for segment in path.split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if kept:
                kept.pop()
            continue
        kept.append(segment)
    normal = "/" + "/".join(kept)
    if path.endswith("/") and kept:
        normal += "/"
    return normal


def reported_path(raw: str, normal: str) -> str:
    """The path a Lambda proxy event reports: the client's spelling when it differs from the
    normal one by empty segments only (AWS reports ``/x//y`` as sent), else the normal one, so
    a function routing on ``path`` sees what was routed and authorized (never ``/open/../admin``)."""
    if raw == normal or "/." in raw or _UNRESERVED_ESCAPE.search(raw) is not None:
        return normal
    return raw
