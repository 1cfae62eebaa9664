"""The gateway application: one door for every request, from the server to a pipeline.

A request to Lambda's Invoke API (``/2015-03-31/functions/...``) goes to it; every other one
is addressed to an API stage (``addressing``) of the world installed when it arrived
(``world``) and runs that API type's pipeline (``pipelines``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Iterable
from dataclasses import replace
from typing import TYPE_CHECKING

from tollway.dataplane.addressing import StageDirectory
from tollway.dataplane.context import RequestContext
from tollway.dataplane.messages import Request, Response
from tollway.dataplane.pipelines import serve
from tollway.dataplane.request_ids import extended_request_id, request_id
from tollway.dataplane.services import Services
from tollway.dataplane.steps.parse import domain_of
from tollway.dataplane.world import World
from tollway.functions.runtime.invoke_api import PREFIX as INVOKE_PREFIX
from tollway.functions.runtime.invoke_api import InvokeApi

if TYPE_CHECKING:
    from tollway.dataplane.addressing import AnyStage


class Gateway:
    """Serves the current world; ``install`` replaces it by one assignment."""

    def __init__(self, services: Services, invoke_api: InvokeApi | None = None) -> None:
        self.services = services
        self.invoke_api = invoke_api
        """Lambda's Invoke API (``/2015-03-31/functions/...``), when functions are served."""

    def install(self, world: World) -> None:
        """Serve ``world`` from the next request on; requests in flight finish in theirs."""
        self.services.world = world

    def load(self, stages: Iterable[AnyStage]) -> None:
        """Serve ``stages`` instead of the current ones, with the current keys, identities and
        functions (a world of its own, installed whole)."""
        self.install(replace(self.services.world, directory=StageDirectory(stages)))

    @property
    def world(self) -> World:
        return self.services.world

    @property
    def stages(self) -> list[AnyStage]:
        return self.services.world.directory.stages

    def resolve(self, target: str, host: str) -> tuple[AnyStage | None, str]:
        """The stage a request is addressed to and the path within it."""
        return self.services.world.directory.resolve(target, domain_of(host))

    def too_large_message(self, target: str, host: str) -> str:
        """What a 413 says: ``Request Too Long`` (REST APIs) or ``Request Entity Too Large``
        (HTTP APIs), for the stage the request is addressed to."""
        served, _ = self.resolve(target, host)
        return (
            "Request Too Long" if served is None or served.api_kind == "REST" else "Request Entity Too Large"
        )

    def answer(self, request: Request) -> Response | Awaitable[Response]:
        """The response, when it is known without waiting; else the awaitable that answers
        (never raises)."""
        if self.invoke_api is not None and request.target.startswith(INVOKE_PREFIX):
            return self.invoke_api.handle(request)
        services = self.services
        ctx = RequestContext(
            request=request,
            request_id=request_id(),
            extended_request_id=extended_request_id(),
            time_epoch_ms=int(services.clock() * 1000),
            world=services.world,
        )
        return serve(ctx, services)

    async def handle(self, request: Request) -> Response:
        """Answer one request (never raises)."""
        answer = self.answer(request)
        return answer if isinstance(answer, Response) else await answer
