"""Java-like values for Velocity templates.

API Gateway runs Java Velocity over Jayway JsonPath objects, so what a template prints
follows Java's ``toString``, not Python's ``str``:

* a JSON object from ``$input.path`` prints as a Java map, ``{a=1, b=x}``;
* a JSON array prints as compact JSON, ``[{"c":5},2]``, and so does an array nested in
  a printed map (``{list=[{"c":5}]}``);
* a list or map built in the template prints like ``ArrayList``/``HashMap``:
  ``[a, 1]`` and ``{k=v}``;
* ``true``/``false``/``null`` in lower case; doubles as Java's ``Double.toString``.

Parsed JSON stays plain ``dict``/``list`` (no conversion pass on the hot path); lists
built by the template are ``JavaList``, which is how the two print differently.

``ABSENT`` is what a JSONPath that matched nothing gives a template: it prints empty
and compares equal to both ``$null`` and ``""`` (AWS behaviour).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Final

import orjson

__all__ = [
    "ABSENT",
    "Absent",
    "HeaderMap",
    "JavaList",
    "JavaMap",
    "dump_json",
    "java_str",
    "to_java_map",
]


class Absent(str):
    """The empty string that a missing JSONPath yields; also equal to None."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        return other is None or str.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    __hash__ = str.__hash__


ABSENT: Final = Absent()


class JavaMap(dict[Any, Any]):
    """A map that prints like ``java.util.Map.toString()`` (plain dicts print the same)."""

    __slots__ = ()

    def __str__(self) -> str:
        return _map_str(self)


class JavaList(list[Any]):
    """A list built by the template; prints like ``ArrayList.toString()``: ``[a, 1]``."""

    __slots__ = ()

    def __str__(self) -> str:
        return "[" + ", ".join(java_str(v) for v in self) + "]"


class HeaderMap(JavaMap):
    """Header map of ``$input.params().header``: lookups ignore case, keys keep theirs."""

    __slots__ = ("_folded",)

    def __init__(self, headers: Mapping[str, str]) -> None:
        super().__init__(headers)
        self._folded = {k.lower(): v for k, v in headers.items()}

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return self._folded[key.lower()]
        raise KeyError(key)

    def get(self, key: Any, default: Any = None) -> Any:
        if isinstance(key, str):
            return self._folded.get(key.lower(), default)
        return default

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.lower() in self._folded


def to_java_map(value: Mapping[str, Any]) -> JavaMap:
    """Deep-copy a plain nested dict (e.g. ``$context``) into ``JavaMap`` objects."""
    return JavaMap({k: to_java_map(v) if isinstance(v, dict) else v for k, v in value.items()})


def java_double(value: float) -> str:
    """Java's ``Double.toString``: plain from 1e-3 to 1e7, else ``1.0E20`` style."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0 or 1e-3 <= abs(value) < 1e7:
        return repr(value)  # Python's repr is plain notation in this range, like Java
    sign, digits, exponent = Decimal(repr(value)).normalize().as_tuple()
    assert isinstance(exponent, int)
    rest = "".join(map(str, digits[1:])) or "0"
    return f"{'-' if sign else ''}{digits[0]}.{rest}E{len(digits) - 1 + exponent}"


def java_str(value: Any) -> str:
    """``String.valueOf`` of a template value, as Java Velocity would print it."""
    if isinstance(value, str):
        return value
    if type(value) is int:
        return str(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return java_double(value)
    if isinstance(value, dict):
        return _map_str(value)
    if isinstance(value, JavaList):
        return str(value)
    if isinstance(value, list):
        return dump_json(value)  # a JSON array (Jayway's JSONArray prints as JSON)
    return str(value)


def _map_str(value: dict[Any, Any]) -> str:
    return "{" + ", ".join(f"{java_str(k)}={java_str(v)}" for k, v in value.items()) + "}"


def dump_json(value: Any) -> str:
    """Compact JSON (no spaces, non-ASCII kept), as Jayway/json-smart writes it."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:  # orjson: int beyond 64 bits or an unknown type
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=java_str)
