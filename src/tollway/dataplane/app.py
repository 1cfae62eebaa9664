"""The gateway application: address a request to an API stage and run the pipeline.

Addressing, as API Gateway (and its local emulators) do it:
- Host ``{apiId}.execute-api.localhost`` (any port): ``/{stage}/{path}`` of that API;
- ``/restapis/{apiId}/{stage}/_user_request_/{path}`` on any host;
- ``/{stage}/{path}`` on any host, when exactly one API has a stage of that name.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tollway.dataplane import pipeline
from tollway.dataplane.context import Request, RequestContext, Response
from tollway.dataplane.request_ids import extended_request_id, request_id
from tollway.dataplane.routing.normalize import normalize_path
from tollway.dataplane.services import Services
from tollway.dataplane.snapshot import ServedStage
from tollway.functions.runtime.invoke_api import PREFIX as INVOKE_PREFIX
from tollway.functions.runtime.invoke_api import InvokeApi

_HOST_SUFFIX = ".execute-api.localhost"
_USER_REQUEST = "_user_request_"


class Gateway:
    """Serves the current set of API stages; ``load`` swaps it atomically."""

    def __init__(self, services: Services, invoke_api: InvokeApi | None = None) -> None:
        self.services = services
        self.invoke_api = invoke_api
        """Lambda's Invoke API (``/2015-03-31/functions/...``), when functions are served."""
        self._by_api: dict[str, dict[str, ServedStage]] = {}
        self._by_stage: dict[str, ServedStage | None] = {}

    def load(self, stages: Iterable[ServedStage]) -> None:
        """Replace what is served. Requests in flight keep the snapshot they started with."""
        by_api: dict[str, dict[str, ServedStage]] = {}
        by_stage: dict[str, ServedStage | None] = {}
        for served in stages:
            by_api.setdefault(served.api_id, {})[served.name] = served
            by_stage[served.name] = None if served.name in by_stage else served
        self._by_api, self._by_stage = by_api, by_stage

    @property
    def stages(self) -> list[ServedStage]:
        return [s for stages in self._by_api.values() for s in stages.values()]

    def resolve(self, target: str, host: str) -> tuple[ServedStage | None, str]:
        """The stage a request is addressed to and the path within it."""
        path = target.partition("?")[0]
        if path.startswith("//"):  # AWS serves //stage/x as /stage/x
            path = "/" + path.lstrip("/")
        parts = path.split("/", 2)  # ["", first, rest]
        if host:
            name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
            if name.lower().endswith(_HOST_SUFFIX):
                stages = self._by_api.get(name[: -len(_HOST_SUFFIX)].lower(), {})
                return stages.get(parts[1] if len(parts) > 1 else ""), _rest(parts)
        if len(parts) > 1 and parts[1] == "restapis":
            segments = path.split("/", 5)  # "", restapis, id, stage, _user_request_, rest
            if len(segments) >= 5 and segments[4] == _USER_REQUEST:
                served = self._by_api.get(segments[2], {}).get(segments[3])
                return served, "/" + (segments[5] if len(segments) > 5 else "")
        return self._by_stage.get(parts[1] if len(parts) > 1 else ""), _rest(parts)

    async def handle(self, request: Request) -> Response:
        """Answer one request (never raises)."""
        return await self.complete(request, self.begin(request))

    async def complete(self, request: Request, begun: Response | Pending | None) -> Response:
        """The answer to ``request``, given what ``begin`` made of it."""
        if isinstance(begun, Pending):
            return await self.finish(begun)
        if begun is None:
            assert self.invoke_api is not None
            return await self.invoke_api.handle(request)
        return begun

    def begin(self, request: Request) -> Response | Pending | None:
        """Run the request as far as it goes without waiting: its Response, or where to
        ``finish`` it, or None for Lambda's Invoke API (``invoke_api.handle``)."""
        if self.invoke_api is not None and request.target.startswith(INVOKE_PREFIX):
            return None
        host = ""
        for name, value in request.headers:
            if len(name) == 4 and name.lower() == "host":
                host = value
                break
        served, path = self.resolve(request.target, host)
        ctx = RequestContext(
            request=request,
            request_id=request_id(),
            extended_request_id=extended_request_id(),
            time_epoch_ms=int(self.services.clock() * 1000),
            served=served,
            path=normalize_path(path),
            raw_path=path,
        )
        index = pipeline.start(ctx, self.services)
        if index is not None:
            return Pending(ctx, index)
        assert ctx.response is not None
        return ctx.response

    async def finish(self, pending: Pending) -> Response:
        """Run the rest of a request that ``begin`` left at a waiting stage."""
        await pipeline.resume(pending.ctx, self.services, pending.index)
        assert pending.ctx.response is not None
        return pending.ctx.response


@dataclass(frozen=True, slots=True)
class Pending:
    """A request stopped before a stage that waits."""

    ctx: RequestContext
    index: int


def _rest(parts: list[str]) -> str:
    return "/" + parts[2] if len(parts) > 2 else "/"
