"""``$context.requestOverride`` and ``$context.responseOverride`` of mapping templates.

AWS ("Use a mapping template to override an API's request and response parameters and status
codes"):

* a request template may set ``requestOverride.header|path|querystring.<name>``: the value
  replaces what the integration request's parameter mappings produced for that name (or adds
  it); a list value gives a multi-value query parameter, one comma-separated header, one
  comma-separated path value;
* a request or response template may set ``responseOverride.header.<name>`` and
  ``responseOverride.status``: they replace the method response's header and status;
* the maps live for the whole request, so a response template reads what the request
  template set (recorded with MOCK: ``test_integration_mock_with_request_overrides_in_response_template``,
  ``test_integration_mock_with_response_override_in_request_template``);
* "Overrides are final": setting the same parameter twice is a 5XX. tollway counts the writes
  of one template evaluation (a response template may replace what the request template set;
  AWS does not say otherwise).

One ``Overrides`` per request, created only when a non-constant template runs.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from tollway.dataplane.mapping.values import JavaMap, java_str
from tollway.errors import TollwayError

if TYPE_CHECKING:  # params imports vtl, which imports this module
    from tollway.dataplane.mapping.params import MappedRequestParameters

__all__ = ["OverrideMap", "OverrideTwice", "Overrides"]


class OverrideTwice(TollwayError):
    """A template set the same override twice (AWS answers 5XX)."""


class OverrideMap(JavaMap):
    """A map of ``$context.*Override`` that refuses a second write of one key per template.

    The maps of one ``Overrides`` share one set of the writes made by the running template
    (``(id(map), key)``), so starting a template is one ``clear()``."""

    _writes: set[tuple[int, Any]]

    def __setitem__(self, key: Any, value: Any) -> None:
        token = (id(self), key)
        writes = self._writes
        if token in writes:
            raise OverrideTwice(f"override {key!r} set twice in one template (overrides are final)")
        writes.add(token)
        dict.__setitem__(self, key, value)

    def update(self, *args: Any, **kwargs: Any) -> None:  # putAll: each key counts as a write
        for key, value in dict(*args, **kwargs).items():
            self[key] = value


def _override_map(writes: set[tuple[int, Any]], **items: Any) -> OverrideMap:
    result = OverrideMap(items)
    result._writes = writes
    return result


class Overrides:
    """The two override maps of one request, shared by its request and response templates."""

    __slots__ = ("_writes", "request", "response")

    def __init__(self) -> None:
        writes: set[tuple[int, Any]] = set()
        self._writes = writes
        self.request = _override_map(
            writes,
            header=_override_map(writes),
            path=_override_map(writes),
            querystring=_override_map(writes),
        )
        self.response = _override_map(writes, header=_override_map(writes), status=None)

    def begin(self) -> None:
        """Forget the writes of the previous template: a new one is about to run."""
        self._writes.clear()

    def header_names(self) -> list[str]:
        """Names of the request headers the template set (checked against AWS's refused list)."""
        return [str(name) for name in _section(self.request, "header")]

    def apply_to_request(self, mapped: MappedRequestParameters) -> MappedRequestParameters:
        """``mapped`` with the request overrides replacing (or adding) their parameters."""
        headers = _values(self.request, "header")
        querystring = _values(self.request, "querystring")
        path = _values(self.request, "path")
        if not (headers or querystring or path):
            return mapped
        merged_headers = {k: v for k, v in mapped.headers.items() if k.lower() not in _lower(headers)}
        # A list is one header of comma-separated values (the guide's endpoint log shows
        # "multivalueheader=foo,header1Valheader2Val").
        merged_headers.update({name: [",".join(values)] for name, values in headers.items()})
        return replace(
            mapped,
            path={**mapped.path, **{name: ",".join(values) for name, values in path.items()}},
            querystring={**mapped.querystring, **querystring},
            headers=merged_headers,
        )

    def status(self) -> int | None:
        """``responseOverride.status`` when it is a status code (100-599); else None (ignored)."""
        value = self.response.get("status")
        if isinstance(value, bool):
            return None
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        return value if isinstance(value, int) and 100 <= value <= 599 else None

    def apply_to_response(self, headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """Method response ``headers`` with ``responseOverride.header.*`` replacing same-named ones."""
        override = {name: ",".join(values) for name, values in _values(self.response, "header").items()}
        if not override:
            return headers
        lowered = _lower(override)
        kept = [pair for pair in headers if pair[0].lower() not in lowered]
        return kept + list(override.items())


def _section(top: dict[Any, Any], name: str) -> dict[Any, Any]:
    section = top.get(name)
    return section if isinstance(section, dict) else {}


def _values(top: dict[Any, Any], name: str) -> dict[str, list[str]]:
    """The section's parameters as strings; a list is a multi-value parameter, null is unset."""
    out: dict[str, list[str]] = {}
    for key, value in _section(top, name).items():
        if value is None:
            continue
        items = value if isinstance(value, list) else [value]
        out[java_str(key)] = [java_str(item) for item in items if item is not None]
    return out


def _lower(names: dict[str, Any]) -> set[str]:
    return {name.lower() for name in names}
