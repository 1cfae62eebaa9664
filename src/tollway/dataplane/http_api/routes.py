"""The route index of an HTTP API: route keys (``GET /pets/{id}``, ``ANY /{proxy+}``,
``$default``) compiled once, matched per request without a regex.

AWS's priority ("Create routes for HTTP APIs", *Routing API requests*): API Gateway selects the
most specific match, in three tiers:

1. a full match for a route and method (a route without a greedy variable);
2. a match for a route and method with a greedy path variable (``{proxy+}``);
3. the ``$default`` route.

With no match, and no ``$default``, API Gateway answers 404 ``{"message":"Not Found"}``
(``match`` returns None). AWS's worked example: with ``GET /pets/dog/1``,
``GET /pets/dog/{id}``, ``GET /pets/{proxy+}``, ``ANY /{proxy+}`` and ``$default``,
``GET /pets/dog/1`` takes the first, ``GET /pets/dog/2`` the second, ``GET /pets/cat/1`` the
third and ``POST /test/5`` the fourth.

Within a tier, decided where AWS documents nothing beyond that example:

* paths compare segment by segment from the left: a literal beats ``{param}``, which beats
  ``{greedy+}``, so ``/a/b/{c}`` beats ``/a/{b}/c`` (the REST rule, and what makes the longest
  literal prefix win between greedy routes: ``/pets/dog/{proxy+}`` over ``/pets/{proxy+}``);
* on the same path, the request's method beats ``ANY`` ("ANY matches all methods that you
  haven't defined for a route"). The path is compared first: ``ANY /pets/dog`` serves
  ``GET /pets/dog`` before ``GET /pets/{id}`` does.

Matching:

* the path is compared case-sensitively (as REST APIs do), the method exactly: route keys name
  upper-case methods (``get /pets`` is refused at ``CreateRoute``);
* percent-escapes are decoded before matching and in the values (documented: "API Gateway
  decodes URL-encoded request parameters before passing them to your backend integration"):
  ``/pets/a%20b`` gives ``{"id": "a b"}``;
* observed, not documented: one trailing slash does not change the route, ``/pets/`` is served
  by ``GET /pets`` (route keys cannot end in ``/``; the event's ``rawPath`` keeps the slash);
* observed, not documented: a greedy variable takes one segment or more, without the leading
  slash: ``/pets/{proxy+}`` gives ``cat/1`` for ``/pets/cat/1`` and matches neither
  ``/pets`` nor ``/pets/``; ``/{proxy+}`` does not match ``/``, which falls to ``$default``;
* decided: a ``{param}`` takes exactly one non-empty segment.

Route keys are checked as ``CreateRoute`` checks them (``validate_route_key``); a table
refuses two route keys with the same method and path shape, parameter names aside
(``GET /pets/{id}`` and ``GET /pets/{petId}``): observed, AWS holds them to be the same route.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final
from urllib.parse import unquote

from tollway.model.http_api import DEFAULT_ROUTE

ROUTE_METHODS: Final = frozenset({"ANY", "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
"""The methods an HTTP API route key may name, ``ANY`` matching every method."""

_PATH_PART_PATTERN: Final = r"^(\{[\w.:-]+\+?\}|[a-zA-Z0-9.:_-]+)$"
_PATH_PART: Final = re.compile(_PATH_PART_PATTERN, re.ASCII)
_PATH_PARTS_INVALID: Final = (
    "One or more path parts appear to be invalid. "
    f"Parts are validated against this regular expression: {_PATH_PART_PATTERN}"
)
"""AWS's own message (``BadRequestException``) for a path part it refuses."""


@dataclass(slots=True)
class RouteMatch:
    """The route serving a request: its key, its path parameters (decoded) and its position
    in the route keys the table was compiled from.

    Not frozen: one is built per request, and a frozen dataclass costs some 250 ns more to
    build in CPython.
    """

    route_key: str
    path_params: dict[str, str]
    index: int


@dataclass(frozen=True, slots=True)
class _Target:
    route_key: str
    index: int
    names: tuple[str, ...]
    """The parameter names of the route, in path order (the greedy one last)."""


@dataclass(slots=True)
class _Node:
    literals: dict[str, _Node] = field(default_factory=dict)
    param: _Node | None = None
    methods: dict[str, _Target] = field(default_factory=dict)
    """Routes ending here (in a full-match tree)."""
    greedy: dict[str, _Target] = field(default_factory=dict)
    """Routes whose greedy variable follows here (in the greedy tree)."""


@dataclass(frozen=True, slots=True)
class _Parsed:
    method: str
    parts: tuple[str, ...]

    @property
    def shape(self) -> tuple[str, tuple[str, ...]]:
        """Method and path with parameter names dropped: what makes two route keys the same."""
        return self.method, tuple(_shape(part) for part in self.parts)


class RouteTable:
    """An HTTP API's routes, compiled once; ``match`` runs per request."""

    __slots__ = ("_default", "_exact", "_fixed", "_greedy")

    def __init__(
        self,
        exact: dict[str, dict[str, _Target]],
        fixed: dict[int, _Node],
        greedy: _Node | None,
        default: _Target | None,
    ) -> None:
        self._exact = exact
        self._fixed = fixed
        self._greedy = greedy
        self._default = default

    def match(self, method: str, path: str) -> RouteMatch | None:
        """The route serving ``method path`` (``path`` without the stage, percent-encoded as
        sent), or None: AWS answers 404 ``{"message":"Not Found"}``."""
        methods = self._exact.get(path)
        if methods is not None:
            target = methods.get(method) or methods.get("ANY")
            if target is not None:
                return RouteMatch(target.route_key, {}, target.index)
        parts = _request_segments(path)
        if methods is None and (path[-1:] == "/" or "%" in path) and all(p and "/" not in p for p in parts):
            # A trailing slash or an escape spells a literal route another way.
            methods = self._exact.get("/" + "/".join(parts))
            if methods is not None:
                target = methods.get(method) or methods.get("ANY")
                if target is not None:
                    return RouteMatch(target.route_key, {}, target.index)
        values: list[str] = []
        root = self._fixed.get(len(parts))
        if root is not None:
            found = _find_fixed(root, parts, method, values)
            if found is not None:
                return _matched(found, values)
        if self._greedy is not None and parts:
            values.clear()
            found = _find_greedy(self._greedy, parts, method, values)
            if found is not None:
                return _matched(found, values)
        if self._default is not None:
            return RouteMatch(self._default.route_key, {}, self._default.index)
        return None


def _matched(target: _Target, values: list[str]) -> RouteMatch:
    # ``values`` holds one value per name, in order: the walk appended them.
    # One name is the common case: a dict display costs a quarter of dict(zip(...)).
    names = target.names
    params = {names[0]: values[0]} if len(names) == 1 else dict(zip(names, values))  # noqa: B905
    return RouteMatch(target.route_key, params, target.index)


def compile_routes(route_keys: Iterable[str]) -> RouteTable:
    """The table of ``route_keys`` (``RouteMatch.index`` is a key's position in them).

    ``ValueError`` with AWS's message for a route key ``CreateRoute`` refuses, and for two
    route keys AWS would hold to be the same route.
    """
    exact: dict[str, dict[str, _Target]] = {}
    fixed: dict[int, _Node] = {}
    greedy: _Node | None = None
    default: _Target | None = None
    seen: dict[tuple[str, tuple[str, ...]], str] = {}
    for index, key in enumerate(route_keys):
        problem = validate_route_key(key)
        if problem is not None:
            raise ValueError(problem)
        if key == DEFAULT_ROUTE:
            if default is not None:
                raise ValueError(_duplicate(key, key))
            default = _Target(key, index, ())
            continue
        parsed = _parse(key)
        earlier = seen.get(parsed.shape)
        if earlier is not None:
            raise ValueError(_duplicate(earlier, key))
        seen[parsed.shape] = key
        names = tuple(_name(part) for part in parsed.parts if part.startswith("{"))
        target = _Target(key, index, names)
        if not names:
            exact.setdefault("/" + "/".join(parsed.parts), {})[parsed.method] = target
        elif parsed.parts[-1].endswith("+}"):
            greedy = greedy or _Node()
            _descend(greedy, parsed.parts[:-1]).greedy[parsed.method] = target
        else:
            root = fixed.setdefault(len(parsed.parts), _Node())
            _descend(root, parsed.parts).methods[parsed.method] = target
    return RouteTable(exact, fixed, greedy, default)


def validate_route_key(key: str) -> str | None:
    """Why ``CreateRoute`` refuses ``key`` (AWS's message where AWS's is known), or None.

    A route key is ``$default`` or an upper-case method (``ANY``, ``GET``, ``POST``, ``PUT``,
    ``PATCH``, ``DELETE``, ``HEAD``, ``OPTIONS``), one space, and a path: ``/`` or
    ``/``-separated parts, each a literal (``[a-zA-Z0-9.:_-]+``), a ``{param}`` or, last
    only, a greedy ``{param+}``.
    """
    if not key:
        return "Route key is required"
    if key == DEFAULT_ROUTE:
        return None
    method, space, path = key.partition(" ")
    if not space or " " in path or not path:
        return (
            f"Route key '{key}' is invalid: a route key is $default, or an HTTP method and a "
            "resource path separated by one space, such as 'GET /pets'"
        )
    if method not in ROUTE_METHODS:
        return (
            f"Route key '{key}' is invalid: the method must be one of "
            "ANY, DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT"
        )
    if not path.startswith("/"):
        return f"Route key '{key}' is invalid: the resource path must start with '/'"
    if path == "/":
        return None
    parts = path[1:].split("/")
    if any(_PATH_PART.match(part) is None for part in parts):
        return _PATH_PARTS_INVALID
    if any(part.endswith("+}") for part in parts[:-1]):
        return f"Route key '{key}' is invalid: a greedy path variable must be the last part of the path"
    names = [_name(part) for part in parts if part.startswith("{")]
    if len(set(names)) != len(names):
        return f"Route key '{key}' is invalid: a path variable name may appear only once in a path"
    return None


def _parse(key: str) -> _Parsed:
    method, _, path = key.partition(" ")
    return _Parsed(method, tuple(path[1:].split("/")) if path != "/" else ())


def _shape(part: str) -> str:
    if part.startswith("{"):
        return "{+}" if part.endswith("+}") else "{}"
    return part


def _name(part: str) -> str:
    return part[1:-2] if part.endswith("+}") else part[1:-1]


def _duplicate(earlier: str, key: str) -> str:
    if earlier == key:
        return f"Route with key '{key}' already exists"
    return f"Route with key '{key}' already exists as '{earlier}' (path variable names aside, the same route)"


def _descend(node: _Node, parts: tuple[str, ...]) -> _Node:
    for part in parts:
        if part.startswith("{"):
            node.param = node.param or _Node()
            node = node.param
        else:
            node = node.literals.setdefault(part, _Node())
    return node


def _request_segments(path: str) -> list[str]:
    """The segments routing compares: decoded, without the leading slash and one trailing one."""
    if len(path) <= 1:
        return []
    parts = path[1:].split("/")
    if not parts[-1]:
        parts.pop()
    if "%" in path:
        return [unquote(part) if "%" in part else part for part in parts]
    return parts


def _find_fixed(root: _Node, parts: list[str], method: str, values: list[str]) -> _Target | None:
    """The full-match route for ``parts`` under ``root``: one pass down while no segment has
    both a literal and a parameter branch to choose from, else the backtracking walk."""
    node = root
    for part in parts:
        child = node.literals.get(part)
        if child is not None:
            if node.param is not None:
                values.clear()
                return _walk_fixed(root, parts, 0, method, values)
            node = child
        elif node.param is not None and part:
            values.append(part)
            node = node.param
        else:
            return None
    return node.methods.get(method) or node.methods.get("ANY")


def _find_greedy(root: _Node, parts: list[str], method: str, values: list[str]) -> _Target | None:
    """The greedy route for ``parts`` under ``root``: the deepest one on a single pass down
    while no segment offers both a literal and a parameter branch, else the backtracking walk."""
    node = root
    last = len(parts) - 1
    best: _Target | None = None
    best_at = 0
    best_values = 0
    i = 0
    while True:
        if node.greedy:
            target = node.greedy.get(method) or node.greedy.get("ANY")
            if target is not None and (parts[i] or any(parts[i:])):
                best, best_at, best_values = target, i, len(values)
        if i >= last:
            break
        part = parts[i]
        child = node.literals.get(part)
        if child is not None:
            if node.param is not None:
                values.clear()
                return _walk_greedy(root, parts, 0, method, values)
            node = child
        elif node.param is not None and part:
            values.append(part)
            node = node.param
        else:
            break
        i += 1
    if best is None:
        return None
    del values[best_values:]
    values.append("/".join(parts[best_at:]))
    return best


def _walk_fixed(node: _Node, parts: list[str], i: int, method: str, values: list[str]) -> _Target | None:
    """The full-match route under ``node`` for ``parts[i:]`` (the tree has ``len(parts)`` levels)."""
    if i == len(parts):
        methods = node.methods
        return methods.get(method) or methods.get("ANY")
    part = parts[i]
    child = node.literals.get(part)
    if child is not None:
        found = _walk_fixed(child, parts, i + 1, method, values)
        if found is not None:
            return found
    param = node.param
    if param is not None and part:
        values.append(part)
        found = _walk_fixed(param, parts, i + 1, method, values)
        if found is not None:
            return found
        values.pop()
    return None


def _walk_greedy(node: _Node, parts: list[str], i: int, method: str, values: list[str]) -> _Target | None:
    """The greedy route under ``node`` for ``parts[i:]`` (one segment or more, not all empty)."""
    part = parts[i]
    if i + 1 < len(parts):
        child = node.literals.get(part)
        if child is not None:
            found = _walk_greedy(child, parts, i + 1, method, values)
            if found is not None:
                return found
        if node.param is not None and part:
            values.append(part)
            found = _walk_greedy(node.param, parts, i + 1, method, values)
            if found is not None:
                return found
            values.pop()
    if node.greedy:
        target = node.greedy.get(method) or node.greedy.get("ANY")
        if target is not None and any(parts[i:]):
            values.append("/".join(parts[i:]))
            return target
    return None
