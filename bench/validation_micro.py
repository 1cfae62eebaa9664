"""Micro-benchmark of request body validation: jsonschema vs fastjsonschema vs tollway's check.

    .venv/bin/python bench/validation_micro.py [--number N]

Two cases: a realistic ~2 KB order against a 15-property draft-04 model with nested objects,
arrays and a ``$ref`` to a second model; and the body and model of the bench suite's
``validate`` scenario. Prints the best per-call time (µs) of several repetitions for:
parsing the body (msgspec), jsonschema's ``Draft4Validator.is_valid`` on the parsed body,
fastjsonschema's compiled validator, tollway's whole per-request ``check`` (parse + validate),
and tollway on an invalid body (where the AWS-worded messages are built). Not a test.
"""

from __future__ import annotations

import argparse
import json
import timeit
from collections.abc import Callable
from typing import Any

import fastjsonschema
import jsonschema
import msgspec
from suite.files import VALIDATE_BODY

from tollway.dataplane.validation import rules as validation
from tollway.model.api import Method, Model, RequestValidator, RestApi

ORDER = {
    "type": "object",
    "required": ["id", "customer", "items", "total", "currency", "status", "created"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string", "pattern": "^ord-[0-9a-f]{8}$"},
        "customer": {"$ref": "#/definitions/Customer"},
        "items": {
            "type": "array",
            "minItems": 1,
            "maxItems": 50,
            "items": {
                "type": "object",
                "required": ["sku", "quantity", "price"],
                "properties": {
                    "sku": {"type": "string", "minLength": 3, "maxLength": 32},
                    "name": {"type": "string"},
                    "quantity": {"type": "integer", "minimum": 1},
                    "price": {"type": "number", "minimum": 0},
                },
            },
        },
        "total": {"type": "number", "minimum": 0},
        "currency": {"type": "string", "enum": ["EUR", "USD", "GBP"]},
        "status": {"type": "string", "enum": ["new", "paid", "shipped", "cancelled"]},
        "created": {"type": "string", "format": "date-time"},
        "tags": {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
        "notes": {"type": "string", "maxLength": 500},
        "shipping": {
            "type": "object",
            "properties": {"method": {"type": "string"}, "cost": {"type": "number"}},
        },
        "coupon": {"type": ["string", "null"]},
        "priority": {"type": "integer", "minimum": 0, "maximum": 9},
        "gift": {"type": "boolean"},
        "metadata": {"type": "object", "additionalProperties": {"type": "string"}},
        "channel": {"type": "string", "enum": ["web", "app", "phone"]},
    },
}
CUSTOMER = {
    "type": "object",
    "required": ["id", "email"],
    "properties": {
        "id": {"type": "integer"},
        "email": {"type": "string", "format": "email"},
        "name": {"type": "string"},
        "address": {
            "type": "object",
            "required": ["city", "country"],
            "properties": {
                "street": {"type": "string"},
                "city": {"type": "string"},
                "zip": {"type": "string"},
                "country": {"type": "string", "minLength": 2, "maxLength": 2},
            },
        },
    },
}
ORDER_BODY = {
    "id": "ord-0a1b2c3d",
    "customer": {
        "id": 4711,
        "email": "jane.doe@example.com",
        "name": "Jane Doe",
        "address": {"street": "1 Main Street", "city": "Springfield", "zip": "12345", "country": "US"},
    },
    "items": [
        {
            "sku": f"SKU-{i:05d}",
            "name": f"Item number {i} with a longer name",
            "quantity": i + 1,
            "price": 9.99,
        }
        for i in range(14)
    ],
    "total": 1049.58,
    "currency": "USD",
    "status": "paid",
    "created": "2024-05-01T12:34:56Z",
    "tags": ["express", "gift-wrap", "priority"],
    "notes": "Please leave the parcel at the back door if nobody answers.",
    "shipping": {"method": "courier", "cost": 12.5},
    "coupon": None,
    "priority": 3,
    "gift": False,
    "metadata": {"source": "newsletter", "campaign": "spring-2024"},
    "channel": "web",
}
BENCH_ITEM = {
    "type": "object",
    "required": ["name", "tags"],
    "properties": {"name": {"type": "string"}, "tags": {"type": "array", "items": {"type": "string"}}},
}


def api_for(models: dict[str, dict[str, Any]], root: str) -> tuple[RestApi, Method]:
    api = RestApi(
        id="bench",
        name="bench",
        models=tuple(Model(name, schema=schema) for name, schema in models.items()),
        request_validators=(RequestValidator("body", "body", validate_request_body=True),),
    )
    return api, Method("POST", request_validator_id="body", request_models={"application/json": root})


def best_us(func: Callable[[], object], number: int) -> float:
    return min(timeit.repeat(func, number=number, repeat=7)) / number * 1e6


def run_case(title: str, models: dict[str, dict[str, Any]], root: str, body: bytes, number: int) -> None:
    api, method = api_for(models, root)
    check = validation.compile_validation(api, method)
    assert check is not None
    model = check.models["application/json"]
    schema = model.schema
    instance = msgspec.json.decode(body)
    draft4 = jsonschema.Draft4Validator(schema)
    fast = fastjsonschema.compile(schema, use_default=False, detailed_exceptions=False)
    assert draft4.is_valid(instance)
    fast(instance)
    invalid = json.dumps({"unexpected": True}).encode()

    def tollway_check(data: bytes = body) -> None:
        validation.check(
            check, path_params={}, query={}, headers={}, content_type="application/json", body=data
        )

    def tollway_invalid() -> object:
        return validation.find_failure(
            check, path_params={}, query={}, headers={}, content_type="application/json", body=invalid
        )

    rows = [
        ("parse (msgspec.json.decode)", lambda: msgspec.json.decode(body)),
        ("jsonschema Draft4Validator.is_valid", lambda: draft4.is_valid(instance)),
        ("jsonschema parse + is_valid", lambda: draft4.is_valid(msgspec.json.decode(body))),
        ("fastjsonschema compiled", lambda: fast(instance)),
        ("tollway check (parse + validate)", tollway_check),
        ("tollway invalid body (messages)", tollway_invalid),
    ]
    print(f"\n{title}: body {len(body)} bytes")
    for name, func in rows:
        print(f"  {name:<40} {best_us(func, number):9.2f} µs")
    failure = tollway_invalid()
    print(f"  invalid body -> {failure}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--number", type=int, default=2000, help="calls per repetition")
    args = parser.parse_args()
    order_body = json.dumps(ORDER_BODY, separators=(",", ":")).encode()
    models = {"Order": ORDER, "Customer": CUSTOMER}
    run_case("order (15 properties, nested, $ref)", models, "Order", order_body, args.number)
    run_case("bench scenario 'validate'", {"Item": BENCH_ITEM}, "Item", VALIDATE_BODY.encode(), args.number)


if __name__ == "__main__":
    main()
