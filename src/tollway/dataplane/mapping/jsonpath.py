"""JSONPath as API Gateway evaluates it (Jayway JsonPath semantics where they matter).

``compile_jsonpath`` parses an expression once (results are cached) and returns a
``JsonPath``: calling it returns the list of matches; ``value()`` returns what Jayway
returns, namely the value itself for a *definite* path (only names and single indexes,
like ``$.a.b[0]``) and the list of matches for an *indefinite* one (``*``, ``..``,
filters, slices, unions). Definite paths skip jsonpath-ng entirely at evaluation time:
they are compiled to a tuple of steps and walked directly, which is what the hot path
mostly uses.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Final

from jsonpath_ng import jsonpath as jp
from jsonpath_ng.ext.parser import parse as _parse_ext

from tollway.errors import TollwayError

__all__ = ["MISSING", "JsonPath", "JsonPathError", "compile_jsonpath"]


class JsonPathError(TollwayError):
    """A JSONPath expression that cannot be parsed."""


class _Missing:
    """Marker for "the definite path matched nothing" (distinct from a JSON null); one
    instance, ``MISSING``, compared by identity."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Final = _Missing()

_Step = str | int


class JsonPath:
    """A compiled JSONPath expression. Immutable and safe to share between requests."""

    __slots__ = ("_parsed", "_steps", "definite", "expression")

    def __init__(self, expression: str, steps: tuple[_Step, ...] | None, parsed: Any) -> None:
        self.expression = expression
        self.definite = steps is not None
        self._steps = steps
        self._parsed = parsed

    def __call__(self, document: Any) -> list[Any]:
        """All matches, in document order (empty list if none)."""
        if self._steps is not None:
            found = _walk(document, self._steps)
            return [] if found is MISSING else [found]
        return [match.value for match in self._parsed.find(document)]

    def value(self, document: Any) -> Any:
        """Jayway result: the value (or ``MISSING``) if definite, else the list of matches."""
        if self._steps is not None:
            return _walk(document, self._steps)
        return self(document)

    def __repr__(self) -> str:
        return f"JsonPath({self.expression!r})"


def _walk(document: Any, steps: tuple[_Step, ...]) -> Any:
    current = document
    for step in steps:
        if isinstance(step, str):
            if not isinstance(current, dict) or step not in current:
                return MISSING
            current = current[step]
        else:
            if not isinstance(current, list) or not -len(current) <= step < len(current):
                return MISSING
            current = current[step]
    return current


def _definite_steps(node: Any) -> tuple[_Step, ...] | None:
    """The plain key/index steps of a definite path, or None if the path is indefinite."""
    if isinstance(node, jp.Root):
        return ()
    if not isinstance(node, jp.Child):
        return None
    left = _definite_steps(node.left)
    if left is None:
        return None
    right = node.right
    # type() not isinstance(): jsonpath_ng.ext subclasses mean different things.
    if type(right) is jp.Fields and len(right.fields) == 1 and right.fields[0] != "*":
        return (*left, right.fields[0])
    if type(right) is jp.Index and len(right.indices) == 1:
        return (*left, right.indices[0])
    return None


@lru_cache(maxsize=4096)
def compile_jsonpath(expression: str) -> JsonPath:
    """Parse ``expression`` once; raise ``JsonPathError`` if it is not valid JSONPath."""
    text = expression.strip()
    if not text.startswith("$"):
        raise JsonPathError(f"JSONPath must start with '$': {expression!r}")
    try:
        parsed = _parse_ext(text)
    except Exception as exc:  # jsonpath-ng raises bare Exception subclasses
        raise JsonPathError(f"invalid JSONPath {expression!r}: {exc}") from None
    return JsonPath(expression, _definite_steps(parsed), parsed)
