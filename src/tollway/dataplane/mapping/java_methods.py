"""Java methods on template values (``$s.toLowerCase()``, ``$list.size()``, ``$map.keySet()``).

Strings, lists and maps in a template are Python objects, but a template calls Java
methods on them. ``java_method`` resolves those names to Java-faithful functions
(``indexOf`` gives -1 when absent, ``replaceAll`` understands ``$1`` in the
replacement, ``split`` takes a regex and drops trailing empty strings, ``add`` returns
true). Python's own methods (``upper``, ``pop``...) are deliberately not reachable.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache, partial
from typing import Any

from tollway.dataplane.mapping.values import JavaList, JavaMap, java_str

__all__ = ["java_method", "java_method_tables"]

Method = Callable[..., Any]


@lru_cache(maxsize=256)
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


@lru_cache(maxsize=256)
def _replacement(java: str) -> tuple[str | int, ...]:
    """Split a Java replacement string into literal text and ``$n`` group numbers."""
    parts: list[str | int] = []
    literal: list[str] = []
    i = 0
    while i < len(java):
        char = java[i]
        if char == "\\" and i + 1 < len(java):
            literal.append(java[i + 1])
            i += 2
        elif char == "$" and i + 1 < len(java) and java[i + 1].isdigit():
            j = i + 1
            while j < len(java) and java[j].isdigit():
                j += 1
            parts.extend(["".join(literal), int(java[i + 1 : j])])
            literal = []
            i = j
        else:
            literal.append(char)
            i += 1
    parts.append("".join(literal))
    return tuple(parts)


def _substitute(text: str, pattern: str, replacement: str, count: int) -> str:
    parts = _replacement(replacement)

    def expand(match: re.Match[str]) -> str:
        return "".join(p if isinstance(p, str) else (match.group(p) or "") for p in parts)

    return _regex(pattern).sub(expand, text, count=count)


def _split(text: str, pattern: str) -> JavaList:
    pieces = JavaList(_regex(pattern).split(text))
    while pieces and pieces[-1] == "":  # Java drops trailing empty strings
        pieces.pop()
    return pieces


def _java_trim(text: str) -> str:
    return text.strip("".join(chr(c) for c in range(33)))


_STRING: dict[str, Method] = {
    "length": len,
    "isEmpty": lambda s: len(s) == 0,
    "equals": lambda s, other: isinstance(other, str) and str.__eq__(s, other),
    "equalsIgnoreCase": lambda s, o: isinstance(o, str) and s.lower() == o.lower(),
    "contains": lambda s, part: java_str(part) in s,
    "startsWith": lambda s, prefix: s.startswith(prefix),
    "endsWith": lambda s, suffix: s.endswith(suffix),
    "indexOf": lambda s, part, start=0: s.find(java_str(part), start),
    "lastIndexOf": lambda s, part: s.rfind(java_str(part)),
    "charAt": lambda s, index: s[index],
    "substring": lambda s, start, end=None: s[start:end],
    "toLowerCase": str.lower,
    "toUpperCase": str.upper,
    "trim": _java_trim,
    "concat": lambda s, other: s + java_str(other),
    "replace": lambda s, old, new: s.replace(java_str(old), java_str(new)),
    "replaceAll": lambda s, pattern, repl: _substitute(s, pattern, repl, 0),
    "replaceFirst": lambda s, pattern, repl: _substitute(s, pattern, repl, 1),
    "matches": lambda s, pattern: _regex(pattern).fullmatch(s) is not None,
    "split": _split,
    "toString": lambda s: str.__str__(s),
}


def _list_add(items: list[Any], value: Any) -> bool:
    items.append(value)
    return True  # java.util.List.add returns true, and Velocity prints it


def _list_set(items: list[Any], index: int, value: Any) -> Any:
    previous = items[index]
    items[index] = value
    return previous


_LIST: dict[str, Method] = {
    "size": len,
    "count": len,  # the AWS docs show $input.path('$.pets').count()
    "isEmpty": lambda items: len(items) == 0,
    "get": lambda items, index: items[index],
    "contains": lambda items, value: value in items,
    "indexOf": lambda items, value: items.index(value) if value in items else -1,
    "add": _list_add,
    "set": _list_set,
    "toString": java_str,
}


def _map_put(mapping: dict[Any, Any], key: Any, value: Any) -> Any:
    previous = mapping.get(key)
    mapping[key] = value
    return previous


_MAP: dict[str, Method] = {
    "get": lambda mapping, key: mapping.get(key),
    "size": len,
    "isEmpty": lambda mapping: len(mapping) == 0,
    "containsKey": lambda mapping, key: key in mapping,
    "containsValue": lambda mapping, value: value in mapping.values(),
    "keySet": lambda mapping: JavaList(mapping.keys()),
    "values": lambda mapping: JavaList(mapping.values()),
    "entrySet": lambda mapping: JavaList(JavaMap(key=k, value=v) for k, v in mapping.items()),
    "put": _map_put,
    "putAll": lambda mapping, other: mapping.update(other),
    "remove": lambda mapping, key: mapping.pop(key, None),
    "toString": java_str,
}


def java_method_tables() -> tuple[dict[str, Method], dict[str, Method], dict[str, Method]]:
    """The Java methods of strings, lists and maps, by name; each takes its target first."""
    return _STRING, _LIST, _MAP


def java_method(target: Any, name: str) -> Method | None:
    """The Java method ``name`` bound to ``target`` (a string, list or map), or None."""
    if isinstance(target, str):
        table = _STRING
    elif isinstance(target, list):
        table = _LIST
    elif isinstance(target, dict):
        table = _MAP
    else:
        return None
    method = table.get(name)
    return None if method is None else partial(method, target)
