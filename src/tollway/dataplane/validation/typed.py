"""A request model as msgspec types: parsing the body and saying "valid" in one pass of C.

``fastjsonschema``'s generated Python costs more than parsing the body does (bench/README.md,
"validate"); msgspec decodes into types and checks them while it parses. So a model whose
every keyword has a msgspec equivalent is also translated into msgspec types, and
``rules.body_errors`` tries those first: a body they accept is valid. A body they reject goes
the whole way (parse, ``fastjsonschema``, fge's messages), so the translation only has to be
sound, never complete: every body it accepts must be one the schema accepts, and it may turn
away bodies the schema takes (an integer-valued float for "number" is fine; it is slower).

Translated (draft 04): ``type`` (one or a list), ``properties``, ``required``,
``additionalProperties`` (false, true, or a schema when there are no ``properties``),
``items`` (one schema), ``minItems``/``maxItems``, ``minLength``/``maxLength``,
``pattern`` (as ``fastjsonschema`` runs it: Python's ``re.search``, an unescaped ``$`` read as
``\\Z``), ``minimum``/``maximum`` (below 2**53, where a float compares as the integer would)
with the boolean ``exclusiveMinimum``/``exclusiveMaximum``, ``enum`` of strings or of
integers, ``$ref`` to a non-recursive schema, ``uniqueItems: false``. Annotations
(``title``, ``description``, ``default``, ``example``...) and keywords draft 04 does not know
are ignored, as ``fastjsonschema`` ignores them. Anything else (``format``, ``multipleOf``,
``allOf``/``anyOf``/``oneOf``/``not``, ``patternProperties``, ``dependencies``,
``uniqueItems: true``, ``min/maxProperties``, tuple ``items``, a recursive ``$ref``...) leaves
the model without a typed decoder: every body takes the whole way.
"""

from __future__ import annotations

import itertools
import re
from typing import Annotated, Any, Literal, Union

import msgspec

from tollway.dataplane.validation.schema_errors import resolve

_ANNOTATIONS = frozenset(
    {"$schema", "id", "title", "description", "default", "example", "examples", "definitions"}
)
_TRANSLATED = frozenset(
    {
        "type",
        "properties",
        "required",
        "additionalProperties",
        "items",
        "minItems",
        "maxItems",
        "minLength",
        "maxLength",
        "pattern",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "enum",
        "$ref",
        "uniqueItems",
    }
)
_UNTRANSLATED = frozenset(
    {
        "format",
        "multipleOf",
        "allOf",
        "anyOf",
        "oneOf",
        "not",
        "patternProperties",
        "dependencies",
        "minProperties",
        "maxProperties",
        "additionalItems",
        # later drafts', which fastjsonschema may apply: never assume it ignores them
        "const",
        "contains",
        "propertyNames",
        "if",
        "then",
        "else",
        "dependentRequired",
        "dependentSchemas",
        "unevaluatedProperties",
        "unevaluatedItems",
        "prefixItems",
    }
)
_FAMILIES = {
    "object": ("properties", "required", "additionalProperties"),
    "array": ("items", "minItems", "maxItems", "uniqueItems"),
    "string": ("minLength", "maxLength", "pattern"),
    "number": ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"),
}
_MAX_DEPTH = 32
_EXACT_FLOAT = 2**53
_DOLLAR = re.compile(r"(?<!\\)\$")
"""An unescaped ``$``, which fastjsonschema turns into ``\\Z`` (so ``^a$`` refuses ``"a\\n"``)."""


class Untranslatable(Exception):
    """The schema uses something this module does not translate."""


def typed_decoder(schema: dict[str, Any]) -> msgspec.json.Decoder[Any] | None:
    """A decoder that accepts only bodies ``schema`` accepts (see the module docstring), or
    None when the schema is not translated."""
    try:
        return msgspec.json.Decoder(_Translator(schema).type_of(schema, 0))
    except (Untranslatable, TypeError, ValueError, re.error):  # msgspec refuses some unions, bounds
        return None


class _Translator:
    def __init__(self, root: dict[str, Any]) -> None:
        self._root = root
        self._names = itertools.count()
        self._resolving: set[str] = set()

    def type_of(self, schema: Any, depth: int) -> Any:
        if not isinstance(schema, dict) or depth > _MAX_DEPTH:
            raise Untranslatable
        if any(key in _UNTRANSLATED for key in schema):
            raise Untranslatable
        if "$ref" in schema:
            return self._ref(schema, depth)
        if schema.get("uniqueItems", False) is not False:
            raise Untranslatable
        if "enum" in schema:
            return self._enum(schema)
        declared = schema.get("type")
        if declared is None:
            families = [name for name, keys in _FAMILIES.items() if any(key in schema for key in keys)]
            if not families:
                return Any
            if len(families) > 1:
                raise Untranslatable
            # Stricter than the schema (which lets other types through): only ever sound.
            declared = families[0]
        names = [declared] if isinstance(declared, str) else declared
        if not isinstance(names, list) or not names or len(set(names)) != len(names):
            raise Untranslatable
        types = [self._one_type(name, schema, depth) for name in names]
        return types[0] if len(types) == 1 else Union[tuple(types)]  # noqa: UP007 (built at run time)

    def _ref(self, schema: dict[str, Any], depth: int) -> Any:
        ref = schema["$ref"]
        if any(key not in _ANNOTATIONS for key in schema if key != "$ref"):
            raise Untranslatable  # draft 04 ignores $ref's siblings; not every validator does
        if not isinstance(ref, str) or ref in self._resolving:
            raise Untranslatable  # recursive
        target = resolve(self._root, ref)
        if target is None:
            raise Untranslatable
        self._resolving.add(ref)
        try:
            return self.type_of(target, depth + 1)
        finally:
            self._resolving.discard(ref)

    def _enum(self, schema: dict[str, Any]) -> Any:
        values = schema["enum"]
        if not isinstance(values, list) or not values:
            raise Untranslatable
        if all(isinstance(v, str) for v in values):
            kind = "string"
        elif all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            kind = "integer"
        else:
            raise Untranslatable
        others = [key for key in schema if key not in _ANNOTATIONS and key != "enum"]
        if others and (others != ["type"] or schema["type"] not in (kind, [kind])):
            raise Untranslatable
        return Literal[tuple(values)]

    def _one_type(self, name: Any, schema: dict[str, Any], depth: int) -> Any:
        if name == "string":
            pattern = schema.get("pattern")
            if pattern is not None and not isinstance(pattern, str):
                raise Untranslatable
            string = _bounded(str, min_length=schema.get("minLength"), max_length=schema.get("maxLength"))
            if pattern is None:
                return string
            return Annotated[string, msgspec.Meta(pattern=_DOLLAR.sub(r"\\Z", pattern))]
        if name in ("integer", "number"):
            return self._number(int if name == "integer" else float, schema)
        if name == "boolean":
            return bool
        if name == "null":
            return None
        if name == "array":
            item = self.type_of(schema["items"], depth + 1) if "items" in schema else Any
            return _bounded(list[item], min_length=schema.get("minItems"), max_length=schema.get("maxItems"))  # type: ignore[valid-type]
        if name == "object":
            return self._object(schema, depth)
        raise Untranslatable

    def _number(self, kind: type, schema: dict[str, Any]) -> Any:
        bounds: dict[str, Any] = {}
        for keyword, exclusive, strict, loose in (
            ("minimum", "exclusiveMinimum", "gt", "ge"),
            ("maximum", "exclusiveMaximum", "lt", "le"),
        ):
            flag = schema.get(exclusive, False)
            if not isinstance(flag, bool):
                raise Untranslatable
            if keyword in schema:
                bound = schema[keyword]
                if isinstance(bound, bool) or not isinstance(bound, int | float):
                    raise Untranslatable
                if kind is int and not isinstance(bound, int):
                    raise Untranslatable
                if kind is float and not -_EXACT_FLOAT < bound < _EXACT_FLOAT:
                    raise Untranslatable  # a large integer body would be compared rounded
                bounds[strict if flag else loose] = bound
        return Annotated[kind, msgspec.Meta(**bounds)] if bounds else kind

    def _object(self, schema: dict[str, Any], depth: int) -> Any:
        properties = schema.get("properties", {})
        required = schema.get("required", [])
        extra = schema.get("additionalProperties", True)
        if not isinstance(properties, dict) or not isinstance(required, list):
            raise Untranslatable
        if not all(isinstance(name, str) for name in required):
            raise Untranslatable
        if not properties and not required:
            if extra is True:
                return dict[str, Any]
            if extra is False:
                return msgspec.defstruct(self._name(), [], forbid_unknown_fields=True)
            return dict[str, self.type_of(extra, depth + 1)]  # type: ignore[misc]
        if not isinstance(extra, bool) or (extra is False and not set(required) <= set(properties)):
            raise Untranslatable
        fields: list[tuple[str, Any, Any]] = []
        for index, (name, sub) in enumerate(properties.items()):
            kind = self.type_of(sub, depth + 1)
            default = msgspec.NODEFAULT if name in required else None
            fields.append((f"f{index}", kind, msgspec.field(default=default, name=name)))
        for index, name in enumerate(n for n in dict.fromkeys(required) if n not in properties):
            fields.append((f"r{index}", Any, msgspec.field(name=name)))
        return msgspec.defstruct(self._name(), fields, kw_only=True, forbid_unknown_fields=not extra)

    def _name(self) -> str:
        return f"Model{next(self._names)}"


def _bounded(kind: Any, *, min_length: Any, max_length: Any) -> Any:
    meta: dict[str, Any] = {}
    for key, value in (("min_length", min_length), ("max_length", max_length)):
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise Untranslatable
        meta[key] = value
    return Annotated[kind, msgspec.Meta(**meta)] if meta else kind
