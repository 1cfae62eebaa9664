"""One spelling per path, before routing: what routing matches is what authorization decides
on and what the integration receives.

Decided here (AWS documents no normalisation): percent-encoded unreserved characters are
decoded (``%61dmin`` is ``admin``), empty segments are dropped (``//admin`` is ``/admin``),
and ``.`` / ``..`` segments are resolved as RFC 3986 does, never above the stage root. An
encoded slash (``%2F``) stays inside its segment. Case is kept: paths are case-sensitive, as
in API Gateway, so ``/Admin`` is another path (403 Missing Authentication Token).
"""

from __future__ import annotations

import re

_UNRESERVED_ESCAPE = re.compile(r"%(2[dDeE]|3[0-9]|[46][1-9a-fA-F]|[57][0-9aA]|5[fF]|7[eE])")


def normalize_path(path: str) -> str:
    """``path`` (``/...``, percent-encoded) in its one normal spelling."""
    if "%" not in path and "//" not in path and "/." not in path:
        return path  # the common case costs three scans
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
