"""What code compiled from a mapping template (``vtl_compile``) calls at render time.

Each helper is the Java-Velocity behaviour of one interpreter node of ``vtl_nodes``, for the
case the compiler could not inline: a property read on a value of unknown type, a subscript
that gives null instead of failing, a Java method resolved by name. They are kept equal to
the interpreter by construction (same tables, same checks, in the same order) and by the
differential tests that render every known template through both engines.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from tollway.dataplane.mapping.java_methods import java_method_tables
from tollway.dataplane.mapping.overrides import Overrides
from tollway.dataplane.mapping.values import JavaMap, java_str, to_java_map
from tollway.dataplane.mapping.vtl_nodes import in_range

__all__ = [
    "caller",
    "context_of",
    "index",
    "index_lazy",
    "map_of",
    "not_callable",
    "prop",
    "resolver",
    "right_first",
    "set_key",
    "text",
    "value_range",
]

Method = Callable[..., Any]


def context_of(context: dict[str, Any], overrides: Overrides) -> JavaMap:
    """``$context`` of one render: a copy of the request's, plus its override maps."""
    result = to_java_map(context)
    result["requestOverride"] = overrides.request
    result["responseOverride"] = overrides.response
    return result


def prop(target: Any, name: str) -> Any:
    """``$target.name``: a map key, else a public attribute of our own objects (``$input``),
    never a Python internal, nothing on strings, lists and numbers."""
    if isinstance(target, dict):
        return target.get(name)
    if name.startswith("_") or isinstance(target, (str, list, int, float)):
        return None
    return getattr(target, name, None)


def index(target: Any, key: Any) -> Any:
    """``$target[key]``: null when the key or index is not there, or not of the right type."""
    try:
        return target[key]
    except (LookupError, TypeError):
        return None


def index_lazy(target: Any, key_of: Callable[[], Any]) -> Any:
    """``$a.b[key]``: like ``index``, and a key expression that fails also gives null (the
    interpreter computes such a key inside the same ``try``)."""
    try:
        return target[key_of()]
    except (LookupError, TypeError):
        return None


def _tables(name: str) -> tuple[Method | None, Method | None, Method | None, bool]:
    strings, lists, maps = java_method_tables()
    return strings.get(name), lists.get(name), maps.get(name), name.startswith("_")


def caller(name: str) -> Callable[..., Any]:
    """``$target.name(args)`` with arguments already computed (they cannot fail or change
    anything, so computing them before the method is known is not observable)."""
    on_string, on_list, on_map, hidden = _tables(name)

    def call(target: Any, *args: Any) -> Any:
        if isinstance(target, str):
            method = on_string
        elif isinstance(target, list):
            method = on_list
        elif isinstance(target, dict):
            method = on_map
        else:
            if hidden or isinstance(target, (int, float)):
                return None
            bound = getattr(target, name, None)
            return None if bound is None else bound(*args)
        return None if method is None else method(target, *args)

    return call


def resolver(name: str) -> Callable[[Any], Method | None]:
    """The method ``name`` of a target, bound, or None: for calls whose arguments must be
    computed only once the method is known (Velocity skips them for a missing method)."""
    on_string, on_list, on_map, hidden = _tables(name)

    def resolve(target: Any) -> Method | None:
        if isinstance(target, str):
            method = on_string
        elif isinstance(target, list):
            method = on_list
        elif isinstance(target, dict):
            method = on_map
        else:
            if hidden or isinstance(target, (int, float)):
                return None
            found: Method | None = getattr(target, name, None)
            return found
        return None if method is None else partial(method, target)

    return resolve


def text(value: Any) -> str:
    """What ``$x`` prints: nothing for null, strings as they are, other values as Java."""
    if value is None:
        return ""
    return value if isinstance(value, str) else java_str(value)


def set_key(target: Any, key: Any, value: Any) -> None:
    """The last step of ``#set($a.b[k] = v)``: maps take any key, lists an index in range."""
    if isinstance(target, dict) or in_range(target, key):
        target[key] = value


def value_range(first: Any, last: Any) -> range:
    """``[a..b]``, counting down when ``b < a`` (both ends included)."""
    if last < first:
        return range(first, last - 1, -1)
    return range(first, last + 1)


def right_first(operation: Callable[[Any, Any], Any], right: Any, left: Any) -> Any:
    """``left op right`` with ``right`` computed first (the order of the interpreter's
    operand stack, kept where both operands may have effects)."""
    return operation(left, right)


def map_of(pairs: tuple[tuple[Callable[[], Any], Callable[[], Any]], ...]) -> dict[Any, Any]:
    """``{k: v, ...}`` with keys that are not literals: each value is computed before its key,
    as the interpreter does."""
    result: dict[Any, Any] = {}
    for value_of, key_of in pairs:
        value = value_of()
        result[key_of()] = value
    return result


def not_callable() -> Any:
    """A ``$`` that is not a reference, used as a value: the interpreter fails calling null."""
    raise TypeError("'NoneType' object is not callable")
