"""The route index of one deployment: a tree of path segments, built once.

AWS precedence: a literal segment beats ``{param}``, which beats a greedy ``{proxy+}``;
on a resource, the exact method beats ``ANY``. When the most specific branch has no
resource (or no method) for the request, matching falls back to the next branch, so a
greedy ``{proxy+}`` catches what the literals leave.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar, cast
from urllib.parse import unquote

T = TypeVar("T")


# Neither class is a generic dataclass: mypyc (setup.py) compiles this module and cannot
# build one. A node holds its targets as ``object``; ``RouteIndex`` alone adds them and
# hands them back typed.


@dataclass(slots=True)
class _Node:
    literals: dict[str, _Node] = field(default_factory=dict)
    param: _Node | None = None
    param_name: str = ""
    greedy: _Node | None = None
    greedy_name: str = ""
    path: str | None = None
    methods: dict[str, object] = field(default_factory=dict)


class RouteMatch(Generic[T]):
    """A matched method: what was declared for it, its resource path and path parameters."""

    __slots__ = ("path_params", "raw_path_params", "resource_path", "target")

    def __init__(
        self,
        target: T,
        resource_path: str,
        path_params: dict[str, str],
        raw_path_params: dict[str, str],
    ) -> None:
        self.target = target
        self.resource_path = resource_path
        self.path_params = path_params
        """Decoded values."""
        self.raw_path_params = raw_path_params
        """Values as the client sent them (percent-encoded), as Lambda proxy events carry them."""


class RouteIndex(Generic[T]):
    """Maps (HTTP method, request path) to the declared method's compiled target."""

    def __init__(self, resources: Mapping[str, Mapping[str, T]]) -> None:
        """``resources`` maps a resource path (``/pets/{id}``) to {HTTP method or ANY: target}."""
        self._root = _Node()
        for path, methods in resources.items():
            if methods:
                self._add(path, methods)

    def _add(self, path: str, methods: Mapping[str, T]) -> None:
        node = self._root
        for part in _segments(path):
            if part.startswith("{") and part.endswith("+}"):
                node.greedy = node.greedy or _Node()
                node.greedy_name = part[1:-2]
                node = node.greedy
            elif part.startswith("{") and part.endswith("}"):
                node.param = node.param or _Node()
                node.param_name = part[1:-1]
                node = node.param
            else:
                node = node.literals.setdefault(part, _Node())
        node.path = path
        node.methods.update(methods)

    def match(self, method: str, path: str) -> RouteMatch[T] | None:
        """The declared method serving ``method path``, or None (AWS: 403 Missing Authentication Token)."""
        parts = _segments(path)
        params: dict[str, str] = {}
        found = self._walk(self._root, parts, 0, method, params)
        if found is None:
            return None
        node, target = found
        assert node.path is not None
        decoded = {name: unquote(value) for name, value in params.items()} if params else params
        return RouteMatch(cast(T, target), node.path, decoded, params)

    def _walk(
        self, node: _Node, parts: list[str], i: int, method: str, params: dict[str, str]
    ) -> tuple[_Node, object] | None:
        if i == len(parts):
            target = _pick(node, method)
            return (node, target) if target is not None else None
        part = parts[i]
        child = node.literals.get(part)
        if child is not None:
            found = self._walk(child, parts, i + 1, method, params)
            if found is not None:
                return found
        if node.param is not None:
            params[node.param_name] = part
            found = self._walk(node.param, parts, i + 1, method, params)
            if found is not None:
                return found
            del params[node.param_name]
        if node.greedy is not None:
            target = _pick(node.greedy, method)
            if target is not None:
                params[node.greedy_name] = "/".join(parts[i:])
                return node.greedy, target
        return None


def _pick(node: _Node, method: str) -> object | None:
    target = node.methods.get(method)
    if target is None:
        target = node.methods.get("ANY")
    return target


def _segments(path: str) -> list[str]:
    return [part for part in path.split("/") if part]
