"""The msgspec translation of request models: sound (it never accepts a body the schema
refuses), used where it applies, and never the last word on a body it turns away."""

from __future__ import annotations

import json
import random
from typing import Any

import fastjsonschema
import msgspec
import pytest

from tollway.dataplane.validation.rules import compile_validation, find_failure
from tollway.dataplane.validation.typed import typed_decoder
from tollway.model.api import Method, Model, RequestValidator, RestApi

DRAFT4 = "http://json-schema.org/draft-04/schema#"

TRANSLATED: dict[str, dict[str, Any]] = {
    "bench item": {
        "type": "object",
        "required": ["name", "tags"],
        "properties": {"name": {"type": "string"}, "tags": {"type": "array", "items": {"type": "string"}}},
    },
    "closed order": {
        "type": "object",
        "required": ["id", "qty"],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "string", "pattern": "^o-[0-9]+$", "minLength": 3, "maxLength": 12},
            "qty": {"type": "integer", "minimum": 1, "maximum": 9, "exclusiveMaximum": True},
            "price": {"type": "number", "minimum": 0, "exclusiveMinimum": True},
            "kind": {"type": "string", "enum": ["a", "b"]},
            "size": {"enum": [1, 2, 3]},
            "note": {"type": ["string", "null"]},
            "flag": {"type": "boolean", "description": "annotations are ignored"},
            "lines": {"type": "array", "minItems": 1, "maxItems": 3, "items": {"$ref": "#/definitions/Line"}},
        },
        "definitions": {
            "Line": {"type": "object", "required": ["sku"], "properties": {"sku": {"type": "string"}}}
        },
    },
    "map of numbers": {"type": "object", "additionalProperties": {"type": "number", "maximum": 100}},
    "untyped properties": {"properties": {"a": {"type": "integer"}}, "required": ["a"]},
    "anything": {},
    "required but not listed": {"type": "object", "required": ["x"]},
}
UNTRANSLATED: dict[str, dict[str, Any]] = {
    "format": {"type": "string", "format": "email"},
    "multipleOf": {"type": "number", "multipleOf": 0.5},
    "allOf": {"allOf": [{"type": "string"}]},
    "recursive": {
        "$ref": "#/definitions/Node",
        "definitions": {"Node": {"type": "object", "properties": {"next": {"$ref": "#/definitions/Node"}}}},
    },
    "uniqueItems": {"type": "array", "uniqueItems": True},
    "mixed enum": {"enum": ["a", 1]},
    "enum against its type": {"type": "integer", "enum": ["a"]},
    "huge number bound": {"type": "number", "maximum": 1e300},
    "float bound on integer": {"type": "integer", "minimum": 0.5},
    "closed with unknown required": {"type": "object", "required": ["x"], "additionalProperties": False},
    "patternProperties": {"type": "object", "patternProperties": {"^x": {"type": "string"}}},
    "const (later draft)": {"const": 1},
}

BODIES = [
    {"name": "n", "tags": ["a", "b"]},
    {"name": "n", "tags": []},
    {"name": 1, "tags": []},
    {"name": "n"},
    {"id": "o-12", "qty": 3},
    {"id": "o-12", "qty": 9},
    {"id": "o-12", "qty": 0},
    {"id": "o-12\n", "qty": 3},
    {"id": "o-1", "qty": 3, "price": 0},
    {"id": "o-1", "qty": 3, "price": 0.01, "kind": "a", "size": 2, "note": None, "flag": True},
    {"id": "o-1", "qty": 3, "kind": "c"},
    {"id": "o-1", "qty": 3, "size": 2.0},
    {"id": "o-1", "qty": 3.0},
    {"id": "o-1", "qty": True},
    {"id": "o-1", "qty": 3, "extra": 1},
    {"id": "o-1", "qty": 3, "lines": [{"sku": "s"}]},
    {"id": "o-1", "qty": 3, "lines": []},
    {"id": "o-1", "qty": 3, "lines": [{"sku": 1}]},
    {"a": 1.5, "b": 100},
    {"a": 101},
    {"a": 1},
    {"x": None},
    "a string",
    12,
    None,
    [1, 2],
    {},
]


def _validator(schema: dict[str, Any]) -> Any:
    return fastjsonschema.compile({**schema, "$schema": DRAFT4}, use_default=False)


def _accepts(validate: Any, body: Any) -> bool:
    try:
        validate(body)
    except fastjsonschema.JsonSchemaValueException:
        return False
    return True


def _decodes(decoder: msgspec.json.Decoder[Any], raw: bytes) -> bool:
    try:
        decoder.decode(raw)
    except (msgspec.ValidationError, msgspec.DecodeError):
        return False
    return True


@pytest.mark.parametrize("name", TRANSLATED)
def test_translated_models_accept_only_what_the_schema_accepts(name: str) -> None:
    schema = TRANSLATED[name]
    decoder = typed_decoder(schema)
    assert decoder is not None, f"{name} should have a typed decoder"
    validate = _validator(schema)
    accepted = 0
    for body in BODIES:
        if _decodes(decoder, json.dumps(body).encode()):
            accepted += 1
            assert _accepts(validate, body), f"{name}: typed decoder accepted {body!r}, the schema refuses it"
    assert accepted, f"{name}: the typed decoder accepted none of the bodies"


@pytest.mark.parametrize("name", UNTRANSLATED)
def test_what_is_not_translated_takes_the_whole_way(name: str) -> None:
    assert typed_decoder(UNTRANSLATED[name]) is None


def test_pattern_dollar_is_the_end_of_the_string_as_fastjsonschema_reads_it() -> None:
    decoder = typed_decoder({"type": "string", "pattern": "^a$"})
    assert decoder is not None
    assert _decodes(decoder, b'"a"')
    assert not _decodes(decoder, b'"a\\n"')
    assert not _accepts(_validator({"type": "string", "pattern": "^a$"}), "a\n")


def _random_value(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(9 if depth < 3 else 6)
    if kind == 0:
        return rng.choice([None, True, False])
    if kind == 1:
        return rng.choice([0, 1, 2, 3, 9, 10, -1, 2**53 + 1, 10**20])
    if kind == 2:
        return rng.choice([0.0, 0.01, 1.0, 2.5, 99.9, 100.0, 100.5, -3.5])
    if kind in (3, 4, 5):
        return rng.choice(["", "a", "n", "o-1", "o-12", "o-12\n", "o-1234567890123", "b", "sku"])
    if kind in (6, 7):
        keys = [
            "name",
            "tags",
            "id",
            "qty",
            "price",
            "kind",
            "size",
            "note",
            "flag",
            "lines",
            "sku",
            "a",
            "b",
            "x",
        ]
        return {rng.choice(keys): _random_value(rng, depth + 1) for _ in range(rng.randrange(5))}
    return [_random_value(rng, depth + 1) for _ in range(rng.randrange(4))]


@pytest.mark.parametrize("name", TRANSLATED)
def test_random_bodies_never_pass_the_typed_decoder_alone(name: str) -> None:
    schema = TRANSLATED[name]
    decoder = typed_decoder(schema)
    assert decoder is not None
    validate = _validator(schema)
    rng = random.Random(name)
    for _ in range(3000):
        body = _random_value(rng)
        if _decodes(decoder, json.dumps(body).encode()):
            assert _accepts(validate, body), f"{name}: typed decoder accepted {body!r}, the schema refuses it"


def _check(schema: dict[str, Any]) -> Any:
    api = RestApi(
        id="a1",
        name="api",
        models=(Model("M", schema={**schema, "$schema": DRAFT4}),),
        request_validators=(RequestValidator("v", "body", validate_request_body=True),),
    )
    method = Method("POST", request_validator_id="v", request_models={"application/json": "M"})
    request = compile_validation(api, method)
    assert request is not None
    return request


def _failure(request: Any, body: bytes) -> Any:
    return find_failure(
        request, path_params={}, query={}, headers={}, content_type="application/json", body=body
    )


def test_a_body_the_types_turn_away_is_still_judged_by_the_schema() -> None:
    # No "type": the typed decoder wants an object, the schema lets a string through.
    request = _check({"properties": {"a": {"type": "integer"}}})
    assert request.models["application/json"].typed is not None
    assert _failure(request, b'"just a string"') is None
    assert _failure(request, b'{"a": 1}') is None
    failure = _failure(request, b'{"a": "x"}')
    assert failure is not None and failure.body
    assert "does not match any allowed primitive type" in failure.validation_error


def test_an_empty_body_is_still_validated_as_an_empty_object() -> None:
    request = _check({"type": "object", "required": ["a"], "properties": {"a": {"type": "string"}}})
    failure = _failure(request, b"  ")
    assert failure is not None
    assert failure.validation_error == '[object has missing required properties (["a"])]'
    assert _failure(request, b'{"a": "x"}') is None
