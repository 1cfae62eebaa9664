"""Which API stage a request is addressed to, as API Gateway (and its local emulators) do it:

- Host ``{apiId}.execute-api.localhost`` (any port): ``/{stage}/{path}`` of that API;
- ``/restapis/{apiId}/{stage}/_user_request_/{path}`` on any host;
- ``/{stage}/{path}`` on any host, when exactly one API has a stage of that name;
- an HTTP API's ``$default`` stage has no stage segment: ``/{path}`` of that API on its host
  when no named stage of it matches, and on any host when exactly one API has one and no
  named stage matches (so ``tollway serve`` of one HTTP API answers ``http://127.0.0.1:PORT/``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    from tollway.dataplane.http_api.snapshot import ServedHttpStage
    from tollway.dataplane.snapshot import ServedStage

    AnyStage: TypeAlias = ServedStage | ServedHttpStage
    """A served stage of any API type."""

_HOST_SUFFIX = ".execute-api.localhost"
_USER_REQUEST = "_user_request_"
_DEFAULT = "$default"


class StageDirectory:
    """The served stages by API id and by stage name; built once, never changed (a new set of
    stages is a new directory, in a new ``World``)."""

    __slots__ = ("_by_api", "_by_stage", "_default")

    def __init__(self, stages: Iterable[AnyStage] = ()) -> None:
        by_api: dict[str, dict[str, AnyStage]] = {}
        by_stage: dict[str, AnyStage | None] = {}
        defaults: list[AnyStage] = []
        for served in stages:
            by_api.setdefault(served.api_id, {})[served.name] = served
            if served.name == _DEFAULT:
                defaults.append(served)
            else:
                by_stage[served.name] = None if served.name in by_stage else served
        self._by_api = by_api
        self._by_stage = by_stage
        self._default = defaults[0] if len(defaults) == 1 else None

    @property
    def stages(self) -> list[AnyStage]:
        """Every served stage."""
        return [s for stages in self._by_api.values() for s in stages.values()]

    def resolve(self, target: str, domain: str) -> tuple[AnyStage | None, str]:
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
                named = stages.get(parts[1] if len(parts) > 1 else "")
                if named is None or named.name == _DEFAULT:
                    default = stages.get(_DEFAULT)
                    return (default, path) if default is not None else (None, _rest(parts))
                return named, _rest(parts)
        if len(parts) > 1 and parts[1] == "restapis":
            segments = path.split("/", 5)  # "", restapis, id, stage, _user_request_, rest
            if len(segments) >= 5 and segments[4] == _USER_REQUEST:
                served = self._by_api.get(segments[2], {}).get(segments[3])
                return served, "/" + (segments[5] if len(segments) > 5 else "")
        named = self._by_stage.get(parts[1] if len(parts) > 1 else "")
        if named is None and self._default is not None:
            return self._default, path
        return named, _rest(parts)


def _rest(parts: list[str]) -> str:
    return "/" + parts[2] if len(parts) > 2 else "/"
