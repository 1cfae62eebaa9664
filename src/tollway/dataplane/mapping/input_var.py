"""``$input`` of API Gateway mapping templates.

One ``InputVar`` per render. The payload is parsed as JSON at most once, and only when
the template calls ``$input.json`` or ``$input.path``.

AWS behaviours reproduced here:

* ``$input.body`` of an empty payload is ``{}``;
* ``$input.path``/``$input.json`` of an empty payload, or of a JSONPath that matches
  nothing, give null: ``path`` renders empty (and equals both ``$null`` and ``""``),
  ``json`` renders ``null``; an indefinite path that matches nothing gives ``[]``;
* a payload that is not JSON is seen by JSONPath as one JSON string (Jayway's
  permissive json-smart parser): ``$input.path('$')`` is the raw text;
* ``$input.params(x)`` searches path, then query string, then headers (headers
  case-insensitively), and is ``""`` when absent.
"""

from __future__ import annotations

from typing import Any, Final

import orjson

from tollway.dataplane.mapping.inputs import TemplateInputs
from tollway.dataplane.mapping.jsonpath import MISSING, JsonPath, compile_jsonpath
from tollway.dataplane.mapping.values import ABSENT, HeaderMap, JavaMap, dump_json

__all__ = ["InputVar"]

_NO_PAYLOAD: Final = object()
_UNPARSED: Final = object()


class InputVar:
    """The ``$input`` object for one evaluation."""

    __slots__ = ("_document", "_inputs", "_params")

    def __init__(self, inputs: TemplateInputs) -> None:
        self._inputs = inputs
        self._document: Any = _UNPARSED  # parsed lazily; _NO_PAYLOAD if body is empty
        self._params: JavaMap | None = None

    @property
    def body(self) -> str:
        """The raw payload; ``{}`` when it is empty (AWS quirk)."""
        return self._inputs.body or "{}"

    def json(self, expression: Any = "$") -> str:
        """The JSONPath result as a JSON string."""
        value = self._lookup(expression)
        return "null" if value is MISSING else dump_json(value)

    def path(self, expression: Any = "$") -> Any:
        """The JSONPath result as an object the template can navigate."""
        value = self._lookup(expression)
        return ABSENT if value is MISSING or value is None else value

    # _json_at and _path_at serve compiled templates; the underscore keeps them out of the
    # templates' reach ($input._json_at is null), like every Python name.
    def _json_at(self, path: JsonPath) -> str:
        """``json`` of a JSONPath compiled with the template (a constant argument)."""
        value = self._lookup_at(path)
        return "null" if value is MISSING else dump_json(value)

    def _path_at(self, path: JsonPath) -> Any:
        """``path`` of a JSONPath compiled with the template (a constant argument)."""
        value = self._lookup_at(path)
        return ABSENT if value is MISSING or value is None else value

    def params(self, name: Any = None) -> Any:
        """All parameters as a map, or one parameter's value (``""`` if absent)."""
        if name is None:
            return self._all_params()
        key = str(name)
        inputs = self._inputs
        if key in inputs.path_params:
            return inputs.path_params[key]
        if key in inputs.querystring:
            return inputs.querystring[key]
        headers = self._all_params()["header"]
        value = headers.get(key)
        return "" if value is None else value

    def _all_params(self) -> JavaMap:
        if self._params is None:
            inputs = self._inputs
            self._params = JavaMap(
                path=JavaMap(inputs.path_params),
                querystring=JavaMap(inputs.querystring),
                header=HeaderMap(inputs.headers),
            )
        return self._params

    def _lookup(self, expression: Any) -> Any:
        document = self._parsed()
        if document is _NO_PAYLOAD:
            return MISSING
        compiled = compile_jsonpath(str(expression))
        return compiled.value(document)

    def _lookup_at(self, path: JsonPath) -> Any:
        document = self._parsed()
        return MISSING if document is _NO_PAYLOAD else path.value(document)

    def _parsed(self) -> Any:
        if self._document is _UNPARSED:
            body = self._inputs.body
            if not body.strip():
                self._document = _NO_PAYLOAD
            else:
                try:
                    self._document = orjson.loads(body)
                except orjson.JSONDecodeError:
                    self._document = body
        return self._document

    def __repr__(self) -> str:
        return "$input"
