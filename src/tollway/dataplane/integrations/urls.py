"""The integration URL: path parameters substituted into the URI, query parameters appended,
both encoded as API Gateway encodes them."""

from __future__ import annotations

import re
from urllib.parse import quote, quote_plus

_UNRESERVED = re.compile(r"[A-Za-z0-9_.~-]*\Z").match


def fill_path(uri: str, mapped: dict[str, str], path_params: dict[str, str], resource: str = "") -> str:
    """Substitute ``{name}`` / ``{name+}`` in the URI: mapped values first, else same-named path
    params. The value of the resource's greedy ``{name+}`` keeps its slashes wherever it goes
    (recorded: test_http_integration_invoke_status_code_passthrough maps ``{map+}`` onto
    ``{map}``)."""
    if "{" not in uri:
        return uri
    greedy = path_params.get(resource[resource.rfind("{") + 1 : -2]) if resource.endswith("+}") else None
    out = uri
    for name, value in {**path_params, **mapped}.items():
        safe = "/" if name == "proxy" or f"{{{name}+}}" in uri or value == greedy else ""
        encoded = quote(value, safe=safe)
        out = out.replace(f"{{{name}+}}", encoded).replace(f"{{{name}}}", encoded)
    return out


def with_query(url: str, query: list[tuple[str, str]]) -> str:
    if not query:
        return url
    encoded = "&".join(f"{_plus(name)}={_plus(value)}" for name, value in query)
    return f"{url}{'&' if '?' in url else '?'}{encoded}"


def _plus(text: str) -> str:
    """``quote_plus(text)`` (what ``urlencode`` does to each name and value), without its
    layers of calls for the common text that needs no escaping."""
    return text if _UNRESERVED(text) else quote_plus(text)
