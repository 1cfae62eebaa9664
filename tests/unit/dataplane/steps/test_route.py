"""route: the declared method of a request, or 403 Missing Authentication Token."""

from __future__ import annotations

import pytest

from step_support import SERVICES, context, snapshot
from tollway.dataplane.steps.route import route
from tollway.errors import (
    MissingAuthenticationToken,
)
from tollway.model import (
    Method,
    Resource,
)


async def test_route_sets_method_resource_path_and_decoded_path_params() -> None:
    served = snapshot(
        Resource("/pets", {"GET": Method("GET")}),
        Resource("/pets/{petId}/toys/{toyId}", {"GET": Method("GET")}),
    )
    ctx = context(served, "GET", "/pets/a%20b/toys/7")
    route(ctx, SERVICES)
    assert ctx.method is not None and ctx.method.http_method == "GET"
    assert ctx.resource_path == "/pets/{petId}/toys/{toyId}"
    assert ctx.path_params == {"petId": "a b", "toyId": "7"}


@pytest.mark.parametrize(("verb", "path"), [("GET", "/nope"), ("DELETE", "/pets"), ("GET", "/pets/1/x")])
async def test_route_without_a_declared_method_is_403_missing_authentication_token(
    verb: str, path: str
) -> None:
    served = snapshot(Resource("/pets", {"GET": Method("GET")}))
    with pytest.raises(MissingAuthenticationToken) as raised:
        route(context(served, verb, path), SERVICES)
    assert raised.value.status_code == 403
