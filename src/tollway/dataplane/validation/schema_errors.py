"""fge's validation messages: what AWS puts in ``$context.error.validationErrorString``.

API Gateway validates request bodies with the Java json-schema-validator ("fge"). A body that
``fastjsonschema`` rejects (``tollway.dataplane.validation.rules``) is walked here to say why, in
fge's words and order.

fge messages produced (fge's keyword names; one message per failing keyword):

=====================  ==================================================================
keyword                message
=====================  ==================================================================
additionalItems        schema only allows N elements in array but instance has M elements
additionalProperties   object instance has properties which are not allowed by the
                       schema: ["x","y"]
allOf / anyOf / oneOf  instance failed to match all required schemas (matched only M out
                       of N) / at least one required schema among N / exactly one schema
                       (matched M out of N)
dependencies           property "a" of object has missing property dependencies (schema
                       requires ["b"]; missing: ["b"])
enum                   instance value ("x") not found in enum (possible values: ["a","b"])
maxItems / minItems    array is too long: must have at most N elements but instance has M
                       elements / array is too short: must have at least N elements ...
maxLength / minLength  string "abc" is too long (length: 3, maximum allowed: 2) / string
                       "a" is too short (length: 1, required minimum: 2)
maxProperties / min..  object has too many properties (found M but schema requires at most
                       N) / too few properties (found M but schema requires at least N)
maximum / minimum      numeric instance is greater than the required maximum (maximum: N,
                       found: M) / lower than the required minimum (minimum: N, found: M);
                       exclusive: numeric instance is not strictly lower than the required
                       maximum N / not strictly greater than the required minimum N
multipleOf             remainder of division is not zero (M / N)
not                    instance matched a schema which it should not have
pattern                ECMA 262 regex "^a" does not match input string "b"
required               object has missing required properties (["a","b"])
type                   instance type (integer) does not match any allowed primitive type
                       (allowed: ["string"])
uniqueItems            array must not contain duplicate elements
format                 string "x" is not a valid email address (and the other draft-04
                       formats: date-time, hostname, ipv4, ipv6, uri, regex)
=====================  ==================================================================

Like fge, keywords of one schema report in alphabetical order (``format`` last), an object's
members are visited in sorted order and array items in order, and validation does not descend
into a container once any error has been reported.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from decimal import Decimal
from functools import lru_cache
from typing import Any
from urllib.parse import unquote

from fastjsonschema.draft04 import CodeGeneratorDraft04


def resolve(root: Any, ref: str) -> Any:
    """The schema a ``#/json/pointer`` reference names within ``root``, else None."""
    node = root
    pointer = ref[1:]
    if not pointer:
        return node
    if not pointer.startswith("/"):
        return None
    for part in pointer[1:].split("/"):
        token = _unquote(part).replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return None
    return node


def _unquote(text: str) -> str:
    return unquote(text) if "%" in text else text


_TYPES = ("array", "boolean", "integer", "null", "number", "object", "string")
_NUMBERS = frozenset({"integer", "number"})
_FORMAT_REGEXES = {name: re.compile(rx) for name, rx in CodeGeneratorDraft04.FORMAT_REGEXS.items()}
_FORMAT_WORDS = {
    "email": "a valid email address",
    "hostname": "a valid hostname",
    "ipv4": "a valid IPv4 address",
    "ipv6": "a valid IPv6 address",
    "uri": "a valid URI",
}
_DATE_TIME_FORMATS = "[yyyy-MM-dd'T'HH:mm:ssZ, yyyy-MM-dd'T'HH:mm:ss.[0-9]{1,12}Z]"
_DOLLAR = re.compile(r"(?<!\\)\$")


@lru_cache(maxsize=512)
def _ecma(pattern: str) -> re.Pattern[str]:
    """An ECMA 262 regex as Python's: ``$`` matches only at the very end (fastjsonschema
    rewrites it the same way, so both validators agree)."""
    return re.compile(_DOLLAR.sub(r"\\Z", pattern))


def schema_errors(root: dict[str, Any], instance: Any) -> list[str]:
    """fge's messages for ``instance`` against the bundled schema ``root``; empty when valid."""
    walk = _Walk(root)
    walk.process(root, instance)
    return walk.report


class _Walk:
    """One fge validation: the root schema (for ``$ref``) and the report every level shares."""

    __slots__ = ("report", "root")

    def __init__(self, root: dict[str, Any]) -> None:
        self.root = root
        self.report: list[str] = []

    def valid(self, schema: Any, instance: Any) -> bool:
        """Whether ``instance`` matches ``schema`` (a fresh report, as fge's allOf/anyOf/...)."""
        walk = _Walk(self.root)
        walk.process(schema, instance)
        return not walk.report

    def process(self, schema: Any, instance: Any) -> None:
        seen = 0
        while isinstance(schema, dict) and isinstance(schema.get("$ref"), str) and seen < 32:
            schema = resolve(self.root, schema["$ref"])
            seen += 1
        if not isinstance(schema, dict):
            return
        kind = _type_of(instance)
        for keyword, kinds, check in _CHECKS:
            if keyword in schema and (kinds is None or kind in kinds):
                message = check(self, schema, instance)
                if message is not None:
                    self.report.append(message)
        if self.report:  # like fge without deepCheck: no descent once anything failed
            return
        if kind == "object":
            self._members(schema, instance)
        elif kind == "array":
            self._items(schema, instance)

    def _members(self, schema: dict[str, Any], instance: dict[str, Any]) -> None:
        properties = _dict(schema.get("properties"))
        patterns = _dict(schema.get("patternProperties"))
        extra = schema.get("additionalProperties")
        for name in sorted(instance):
            chosen = [properties[name]] if name in properties else []
            chosen += [sub for rx, sub in patterns.items() if _ecma(rx).search(name)]
            if not chosen and isinstance(extra, dict):
                chosen = [extra]
            for sub in chosen:
                self.process(sub, instance[name])

    def _items(self, schema: dict[str, Any], instance: list[Any]) -> None:
        items = schema.get("items")
        extra = schema.get("additionalItems")
        for index, item in enumerate(instance):
            if isinstance(items, dict):
                self.process(items, item)
            elif isinstance(items, list) and index < len(items):
                self.process(items[index], item)
            elif isinstance(items, list) and isinstance(extra, dict):
                self.process(extra, item)


def _type_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _same(a: Any, b: Any) -> bool:
    """JSON equality: numbers by value, ``true`` never equal to ``1``."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


Schema = dict[str, Any]


def _additional_items(w: _Walk, s: Schema, v: list[Any]) -> str | None:
    items = s.get("items")
    if s["additionalItems"] is False and isinstance(items, list) and len(v) > len(items):
        return f"schema only allows {len(items)} elements in array but instance has {len(v)} elements"
    return None


def _additional_properties(w: _Walk, s: Schema, v: dict[str, Any]) -> str | None:
    if s["additionalProperties"] is not False:
        return None
    known = _dict(s.get("properties"))
    patterns = list(_dict(s.get("patternProperties")))
    unwanted = sorted(n for n in v if n not in known and not any(_ecma(p).search(n) for p in patterns))
    if unwanted:
        return f"object instance has properties which are not allowed by the schema: {_json(unwanted)}"
    return None


def _all_of(w: _Walk, s: Schema, v: Any) -> str | None:
    subs = _list(s["allOf"])
    matched = sum(w.valid(sub, v) for sub in subs)
    if matched < len(subs):
        return f"instance failed to match all required schemas (matched only {matched} out of {len(subs)})"
    return None


def _any_of(w: _Walk, s: Schema, v: Any) -> str | None:
    subs = _list(s["anyOf"])
    if subs and not any(w.valid(sub, v) for sub in subs):
        return f"instance failed to match at least one required schema among {len(subs)}"
    return None


def _dependencies(w: _Walk, s: Schema, v: dict[str, Any]) -> str | None:
    deps = _dict(s["dependencies"])
    for name in sorted(n for n in deps if n in v and isinstance(deps[n], list)):
        wanted = sorted(deps[name])
        missing = [d for d in wanted if d not in v]
        if missing:
            w.report.append(
                f'property "{name}" of object has missing property dependencies '
                f"(schema requires {_json(wanted)}; missing: {_json(missing)})"
            )
    for name in sorted(n for n in deps if n in v and isinstance(deps[n], dict)):
        w.process(deps[name], v)  # fge validates a schema dependency into the same report
    return None


def _enum(w: _Walk, s: Schema, v: Any) -> str | None:
    allowed = _list(s["enum"])
    if any(_same(v, option) for option in allowed):
        return None
    return f"instance value ({_json(v)}) not found in enum (possible values: {_json(allowed)})"


def _max_items(w: _Walk, s: Schema, v: list[Any]) -> str | None:
    if len(v) > s["maxItems"]:
        limit = s["maxItems"]
        return f"array is too long: must have at most {limit} elements but instance has {len(v)} elements"
    return None


def _min_items(w: _Walk, s: Schema, v: list[Any]) -> str | None:
    if len(v) < s["minItems"]:
        limit = s["minItems"]
        return f"array is too short: must have at least {limit} elements but instance has {len(v)} elements"
    return None


def _max_length(w: _Walk, s: Schema, v: str) -> str | None:
    if len(v) > s["maxLength"]:
        return f'string "{v}" is too long (length: {len(v)}, maximum allowed: {s["maxLength"]})'
    return None


def _min_length(w: _Walk, s: Schema, v: str) -> str | None:
    if len(v) < s["minLength"]:
        return f'string "{v}" is too short (length: {len(v)}, required minimum: {s["minLength"]})'
    return None


def _max_properties(w: _Walk, s: Schema, v: dict[str, Any]) -> str | None:
    if len(v) > s["maxProperties"]:
        limit = s["maxProperties"]
        return f"object has too many properties (found {len(v)} but schema requires at most {limit})"
    return None


def _min_properties(w: _Walk, s: Schema, v: dict[str, Any]) -> str | None:
    if len(v) < s["minProperties"]:
        limit = s["minProperties"]
        return f"object has too few properties (found {len(v)} but schema requires at least {limit})"
    return None


def _maximum(w: _Walk, s: Schema, v: float) -> str | None:
    limit = s["maximum"]
    if s.get("exclusiveMaximum") is True:
        if v >= limit:
            return f"numeric instance is not strictly lower than the required maximum {_json(limit)}"
    elif v > limit:
        found = f"(maximum: {_json(limit)}, found: {_json(v)})"
        return f"numeric instance is greater than the required maximum {found}"
    return None


def _minimum(w: _Walk, s: Schema, v: float) -> str | None:
    limit = s["minimum"]
    if s.get("exclusiveMinimum") is True:
        if v <= limit:
            return f"numeric instance is not strictly greater than the required minimum {_json(limit)}"
    elif v < limit:
        found = f"(minimum: {_json(limit)}, found: {_json(v)})"
        return f"numeric instance is lower than the required minimum {found}"
    return None


def _multiple_of(w: _Walk, s: Schema, v: float) -> str | None:
    divisor = s["multipleOf"]
    try:  # exact decimal arithmetic, as fge's BigDecimal: 0.3 is a multiple of 0.1
        remainder = Decimal(repr(v)) % Decimal(repr(divisor))
    except ArithmeticError:
        return None
    if remainder != 0:
        return f"remainder of division is not zero ({_json(v)} / {_json(divisor)})"
    return None


def _not(w: _Walk, s: Schema, v: Any) -> str | None:
    if isinstance(s["not"], dict) and w.valid(s["not"], v):
        return "instance matched a schema which it should not have"
    return None


def _one_of(w: _Walk, s: Schema, v: Any) -> str | None:
    subs = _list(s["oneOf"])
    matched = sum(w.valid(sub, v) for sub in subs)
    if matched != 1:
        return f"instance failed to match exactly one schema (matched {matched} out of {len(subs)})"
    return None


def _pattern(w: _Walk, s: Schema, v: str) -> str | None:
    if _ecma(s["pattern"]).search(v):
        return None
    return f'ECMA 262 regex "{s["pattern"]}" does not match input string "{v}"'


def _required(w: _Walk, s: Schema, v: dict[str, Any]) -> str | None:
    missing = sorted({n for n in _list(s["required"]) if n not in v})
    return f"object has missing required properties ({_json(missing)})" if missing else None


def _type(w: _Walk, s: Schema, v: Any) -> str | None:
    declared = s["type"]
    wanted = {declared} if isinstance(declared, str) else set(_list(declared))
    if "number" in wanted:
        wanted.add("integer")
    kind = _type_of(v)
    if kind in wanted:
        return None
    allowed = [t for t in _TYPES if t in wanted]
    return f"instance type ({kind}) does not match any allowed primitive type (allowed: {_json(allowed)})"


def _unique_items(w: _Walk, s: Schema, v: list[Any]) -> str | None:
    if s["uniqueItems"] is True and any(_same(v[i], v[j]) for i in range(len(v)) for j in range(i)):
        return "array must not contain duplicate elements"
    return None


def _format(w: _Walk, s: Schema, v: str) -> str | None:
    name = s["format"]
    if name == "regex":
        try:
            re.compile(v)
        except re.error:
            return f'string "{v}" is not a valid ECMA 262 regular expression'
        return None
    regex = _FORMAT_REGEXES.get(name)
    if regex is None or regex.match(v):
        return None
    if name == "date-time":
        return f'string "{v}" is invalid against requested date format(s) {_DATE_TIME_FORMATS}'
    return f'string "{v}" is not {_FORMAT_WORDS.get(name, "valid: " + str(name))}'


_OBJECT = frozenset({"object"})
_ARRAY = frozenset({"array"})
_STRING = frozenset({"string"})
_CHECKS: tuple[tuple[str, frozenset[str] | None, Callable[[_Walk, Schema, Any], str | None]], ...] = (
    # fge keeps its keyword validators in a sorted map, and checks format after them;
    # each keyword applies to the instance types it names (None: every type).
    ("additionalItems", _ARRAY, _additional_items),
    ("additionalProperties", _OBJECT, _additional_properties),
    ("allOf", None, _all_of),
    ("anyOf", None, _any_of),
    ("dependencies", _OBJECT, _dependencies),
    ("enum", None, _enum),
    ("maxItems", _ARRAY, _max_items),
    ("maxLength", _STRING, _max_length),
    ("maxProperties", _OBJECT, _max_properties),
    ("maximum", _NUMBERS, _maximum),
    ("minItems", _ARRAY, _min_items),
    ("minLength", _STRING, _min_length),
    ("minProperties", _OBJECT, _min_properties),
    ("minimum", _NUMBERS, _minimum),
    ("multipleOf", _NUMBERS, _multiple_of),
    ("not", None, _not),
    ("oneOf", None, _one_of),
    ("pattern", _STRING, _pattern),
    ("required", _OBJECT, _required),
    ("type", None, _type),
    ("uniqueItems", _ARRAY, _unique_items),
    ("format", _STRING, _format),
)
