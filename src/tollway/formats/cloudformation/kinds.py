"""Which kinds of API a template declares, and what becomes of the ones tollway does not serve.

tollway serves REST APIs; HTTP and WebSocket APIs come in a later release. Decided here: a
template is imported for everything it holds that tollway can use, whatever other API
types it declares. Its REST APIs are served and its functions stored (so ``invoke`` and
``build`` work on an HTTP API project), and its HTTP / WebSocket APIs are named in one
warning. Only a template that yields nothing at all (no REST API, no function, no API key
or plan) is refused, with an error naming its first HTTP or WebSocket API.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tollway.errors import DefinitionError

LATER = "served in a later release of tollway, which serves REST APIs today"


@dataclass(frozen=True, slots=True)
class ApiKinds:
    """What ``scan`` found: whether a REST API is declared, and the other APIs as
    (JSON pointer, what it is) in template order."""

    has_rest: bool = False
    others: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    def warning(self, source: str) -> str | None:
        """The one warning naming every HTTP / WebSocket API, or None."""
        if not self.others:
            return None
        listed = ", ".join(what for _, what in self.others)
        return f"{source}: HTTP and WebSocket APIs are {LATER}; skipped: {listed}"

    def refusal(self, source: str) -> DefinitionError:
        """The error for a template that yields nothing but these APIs."""
        pointer, what = self.others[0]
        return DefinitionError(source, pointer, f"{what}: {_kind_of(what)} APIs are {LATER}")


def _kind_of(what: str) -> str:
    return "WebSocket" if "WebSocket" in what or "WEBSOCKET" in what else "HTTP"


def _events(resource: dict[str, Any]) -> dict[str, Any]:
    props = resource.get("Properties")
    events = props.get("Events") if isinstance(props, dict) else None
    return events if isinstance(events, dict) else {}


def scan(doc: dict[str, Any]) -> ApiKinds:
    """The API kinds the template ``doc`` declares (as written, before the SAM transform)."""
    resources = doc.get("Resources")
    rest = False
    others: list[tuple[str, str]] = []
    for logical_id, resource in (resources if isinstance(resources, dict) else {}).items():
        if not isinstance(resource, dict):
            continue
        kind = resource.get("Type")
        pointer = f"/Resources/{logical_id}"
        if kind in ("AWS::Serverless::Api", "AWS::ApiGateway::RestApi"):
            rest = True
        elif kind in ("AWS::Serverless::WebSocketApi", "AWS::Serverless::HttpApi"):
            others.append((pointer, f"{logical_id} ({kind})"))
        elif kind == "AWS::ApiGatewayV2::Api":
            props = resource.get("Properties")
            protocol = props.get("ProtocolType") if isinstance(props, dict) else None
            others.append((pointer, f"{logical_id} ({kind} {protocol})"))
        elif kind == "AWS::Serverless::Function":
            for name, event in _events(resource).items():
                event_type = event.get("Type") if isinstance(event, dict) else None
                if event_type == "Api":
                    rest = True
                elif event_type == "HttpApi":
                    others.append(
                        (f"{pointer}/Properties/Events/{name}", f"{logical_id} event {name} (HttpApi)")
                    )
    return ApiKinds(rest, tuple(others))
