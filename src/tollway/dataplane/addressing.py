"""Which API stage a request is addressed to, as API Gateway (and its local emulators) do it:

- Host ``{apiId}.execute-api.localhost`` (any port): ``/{stage}/{path}`` of that API;
- ``/restapis/{apiId}/{stage}/_user_request_/{path}`` on any host;
- ``/{stage}/{path}`` on any host, when exactly one API has a stage of that name.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tollway.dataplane.snapshot import ServedStage

_HOST_SUFFIX = ".execute-api.localhost"
_USER_REQUEST = "_user_request_"


class StageDirectory:
    """The served stages by API id and by stage name; built once, never changed (a new set of
    stages is a new directory, in a new ``World``)."""

    __slots__ = ("_by_api", "_by_stage")

    def __init__(self, stages: Iterable[ServedStage] = ()) -> None:
        by_api: dict[str, dict[str, ServedStage]] = {}
        by_stage: dict[str, ServedStage | None] = {}
        for served in stages:
            by_api.setdefault(served.api_id, {})[served.name] = served
            by_stage[served.name] = None if served.name in by_stage else served
        self._by_api = by_api
        self._by_stage = by_stage

    @property
    def stages(self) -> list[ServedStage]:
        """Every served stage."""
        return [s for stages in self._by_api.values() for s in stages.values()]

    def resolve(self, target: str, domain: str) -> tuple[ServedStage | None, str]:
        """The stage a request is addressed to and the path within it (``domain``: the
        ``Host`` header without its port)."""
        path = target.partition("?")[0]
        if path.startswith("//"):  # AWS serves //stage/x as /stage/x
            path = "/" + path.lstrip("/")
        parts = path.split("/", 2)  # ["", first, rest]
        if domain:
            name = domain.lower()
            if name.endswith(_HOST_SUFFIX):
                stages = self._by_api.get(name[: -len(_HOST_SUFFIX)], {})
                return stages.get(parts[1] if len(parts) > 1 else ""), _rest(parts)
        if len(parts) > 1 and parts[1] == "restapis":
            segments = path.split("/", 5)  # "", restapis, id, stage, _user_request_, rest
            if len(segments) >= 5 and segments[4] == _USER_REQUEST:
                served = self._by_api.get(segments[2], {}).get(segments[3])
                return served, "/" + (segments[5] if len(segments) > 5 else "")
        return self._by_stage.get(parts[1] if len(parts) > 1 else ""), _rest(parts)


def _rest(parts: list[str]) -> str:
    return "/" + parts[2] if len(parts) > 2 else "/"
