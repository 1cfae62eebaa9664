"""integrate: the transport registered for the integration type is called."""

from __future__ import annotations

from step_support import context, http, one_method
from tollway.dataplane.messages import IntegrationRequest, IntegrationResult
from tollway.dataplane.services import Services
from tollway.dataplane.steps.integrate import integrate
from tollway.dataplane.steps.map_request import map_request
from tollway.dataplane.steps.parse import parse
from tollway.dataplane.steps.route import route


class Recording:
    """A fake transport: records what it was asked and answers a fixed result."""

    def __init__(self, result: IntegrationResult) -> None:
        self.result = result
        self.requests: list[IntegrationRequest] = []

    async def call(self, request: IntegrationRequest) -> IntegrationResult:
        self.requests.append(request)
        return self.result


async def test_integrate_calls_the_transport_registered_for_the_integration_type() -> None:
    fake = Recording(IntegrationResult(202, [("X-A", "1")], b"done"))
    services = Services(integrations={"HTTP": fake}, clock=lambda: 0.0)
    ctx = context(one_method("/r", "GET", http(http_method="GET")), "GET", "/r")
    for stage in (parse, route, map_request):
        stage(ctx, services)
    await integrate(ctx, services)
    assert fake.requests == [ctx.integration_request]
    assert ctx.integration_result == IntegrationResult(202, [("X-A", "1")], b"done")
