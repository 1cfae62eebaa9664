"""Micro-benchmark of mapping templates: airspeed's interpreter vs tollway's VTL compiler.

    .venv/bin/python bench/vtl_micro.py [--number N]

Renders the bench suite's two ``vtl`` templates (``VTL_REQUEST`` over ``VTL_REQUEST_BODY``,
``VTL_RESPONSE`` over ``UPSTREAM_BODY``) with each engine, times ``compile_template`` of the
request template with each (what a deployment pays), and runs the mapping steps of one
request of the scenario's method (parse, route, map_request, map_response: template inputs,
both renders, headers) with the default engine. Prints the best per-call time (µs) of
several repetitions. Not a test.
"""

from __future__ import annotations

import argparse
import timeit
from collections.abc import Callable
from functools import partial

from suite.files import UPSTREAM_BODY, VTL_REQUEST, VTL_REQUEST_BODY, VTL_RESPONSE

from tollway.dataplane.context import RequestContext
from tollway.dataplane.mapping.inputs import TemplateInputs
from tollway.dataplane.mapping.vtl import compile_template
from tollway.dataplane.messages import IntegrationResult, Request
from tollway.dataplane.services import Services
from tollway.dataplane.snapshot import ServedStage, compile_stage
from tollway.dataplane.steps.map_request import map_request
from tollway.dataplane.steps.map_response import map_response
from tollway.dataplane.steps.parse import parse
from tollway.dataplane.steps.route import route
from tollway.model import Deployment, Integration, IntegrationResponse, Method, Resource, RestApi, Stage

SERVICES = Services(integrations={}, clock=lambda: 0.0)
HEADERS = [("Host", "127.0.0.1:18080"), ("Content-Type", "application/json")]


def best_us(call: Callable[[], object], number: int) -> float:
    """Best of 5 repetitions of ``number`` calls, in µs per call."""
    return min(timeit.repeat(call, number=number, repeat=5)) / number * 1e6


def served() -> ServedStage:
    integration = Integration(
        type="HTTP",
        http_method="POST",
        uri="http://127.0.0.1:8081/items",
        request_templates={"application/json": VTL_REQUEST},
        passthrough_behavior="NEVER",
        responses=(IntegrationResponse("200", response_templates={"application/json": VTL_RESPONSE}),),
    )
    api = RestApi(
        id="a1b2c3d4e5",
        name="vtl",
        resources=(Resource("/vtl", {"POST": Method("POST", integration=integration)}),),
    )
    stage = Stage(api_id=api.id, name="prod", deployment_id="d1")
    return compile_stage(stage, Deployment(id="d1", api_id=api.id, created_epoch=0.0, api=api))


def mapping_steps(stage: ServedStage) -> Callable[[], object]:
    result = IntegrationResult(200, [("Content-Type", "application/json")], UPSTREAM_BODY.encode())
    body = VTL_REQUEST_BODY.encode()

    def one_request() -> object:
        request = Request("POST", "/vtl", HEADERS, body, "127.0.0.1")
        ctx = RequestContext(request, "req-1", "ext-1=", 1_700_000_000_000, stage, "/vtl")
        parse(ctx, SERVICES)
        route(ctx, SERVICES)
        map_request(ctx, SERVICES)
        ctx.integration_result = result
        map_response(ctx, SERVICES)
        return ctx.response

    return one_request


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--number", type=int, default=2000, help="calls per repetition")
    number = parser.parse_args().number
    cases = [
        ("request template", VTL_REQUEST, TemplateInputs(body=VTL_REQUEST_BODY)),
        ("response template", VTL_RESPONSE, TemplateInputs(body=UPSTREAM_BODY)),
    ]
    for label, source, inputs in cases:
        for engine, interpret in (("interpreter", True), ("compiled", False)):
            template = compile_template(source, interpret=interpret)
            took = best_us(partial(template.render, inputs), number)
            print(f"{label:20} {engine:11} {took:8.1f} µs")
    for engine, interpret in (("interpreter", True), ("compiled", False)):
        took = best_us(partial(compile_template, VTL_REQUEST, interpret=interpret), max(number // 20, 10))
        print(f"{'compile request':20} {engine:11} {took:8.1f} µs")
    steps = mapping_steps(served())
    print(f"{'mapping steps':20} {'compiled':11} {best_us(steps, number):8.1f} µs")


if __name__ == "__main__":
    main()
