"""Which kinds of API a template declares, and what becomes of the ones tollway does not serve.

tollway serves REST APIs and HTTP APIs (API Gateway v2 with ``ProtocolType: HTTP``, SAM's
``AWS::Serverless::HttpApi`` and ``HttpApi`` function events); WebSocket APIs come in a
later release. Decided here: a template is imported for everything it holds that tollway
can use, whatever other API types it declares. Its REST and HTTP APIs are served and its
functions stored (so ``invoke`` and ``build`` work on a WebSocket API project), and its
WebSocket APIs are named in one warning. Only a template that yields nothing at all (no
REST or HTTP API, no function, no API key or plan) is refused, with an error naming its
first WebSocket API.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tollway.errors import DefinitionError

LATER = "served in a later release of tollway, which serves REST and HTTP APIs today"


@dataclass(frozen=True, slots=True)
class ApiKinds:
    """What ``scan`` found: whether a REST or HTTP API is declared, and the WebSocket APIs
    as (JSON pointer, what it is) in template order."""

    has_rest: bool = False
    others: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    has_http: bool = False

    def warning(self, source: str) -> str | None:
        """The one warning naming every WebSocket API, or None."""
        if not self.others:
            return None
        listed = ", ".join(what for _, what in self.others)
        return f"{source}: WebSocket APIs are {LATER}; skipped: {listed}"

    def refusal(self, source: str) -> DefinitionError:
        """The error for a template that yields nothing but these APIs."""
        pointer, what = self.others[0]
        return DefinitionError(source, pointer, f"{what}: WebSocket APIs are {LATER}")


def _events(resource: dict[str, Any]) -> dict[str, Any]:
    props = resource.get("Properties")
    events = props.get("Events") if isinstance(props, dict) else None
    return events if isinstance(events, dict) else {}


def scan(doc: dict[str, Any]) -> ApiKinds:
    """The API kinds the template ``doc`` declares (as written, before the SAM transform)."""
    resources = doc.get("Resources")
    rest = http = False
    others: list[tuple[str, str]] = []
    for logical_id, resource in (resources if isinstance(resources, dict) else {}).items():
        if not isinstance(resource, dict):
            continue
        kind = resource.get("Type")
        pointer = f"/Resources/{logical_id}"
        if kind in ("AWS::Serverless::Api", "AWS::ApiGateway::RestApi"):
            rest = True
        elif kind == "AWS::Serverless::HttpApi":
            http = True
        elif kind == "AWS::Serverless::WebSocketApi":
            others.append((pointer, f"{logical_id} ({kind})"))
        elif kind == "AWS::ApiGatewayV2::Api":
            props = resource.get("Properties")
            protocol = props.get("ProtocolType") if isinstance(props, dict) else None
            if isinstance(protocol, str) and protocol.upper() == "WEBSOCKET":
                others.append((pointer, f"{logical_id} ({kind} {protocol})"))
            else:
                http = True
        elif kind == "AWS::Serverless::Function":
            for event in _events(resource).values():
                event_type = event.get("Type") if isinstance(event, dict) else None
                rest = rest or event_type == "Api"
                http = http or event_type == "HttpApi"
    return ApiKinds(rest, tuple(others), http)
