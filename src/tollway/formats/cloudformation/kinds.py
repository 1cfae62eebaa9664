"""Which kinds of API a template declares, and refusing the ones tollway does not serve.

tollway serves REST APIs. A template that declares only HTTP or WebSocket APIs is refused
with a DefinitionError naming the resource. A template that declares REST APIs *and* HTTP
or WebSocket APIs imports its REST APIs; the others are named in a warning (decided here:
refusing the whole file would hide the APIs tollway can serve).
"""

from __future__ import annotations

from typing import Any

from tollway.errors import DefinitionError

HTTP_NOT_SUPPORTED = "HTTP APIs are not supported yet; tollway serves REST APIs"
WEBSOCKET_NOT_SUPPORTED = "WebSocket APIs are not supported yet; tollway serves REST APIs"


def _events(resource: dict[str, Any]) -> dict[str, Any]:
    props = resource.get("Properties")
    events = props.get("Events") if isinstance(props, dict) else None
    return events if isinstance(events, dict) else {}


def _scan(resources: dict[str, Any]) -> tuple[bool, list[tuple[str, str]]]:
    """(declares a REST API, [(pointer, why unsupported)])."""
    rest = False
    other: list[tuple[str, str]] = []
    for logical_id, resource in resources.items():
        if not isinstance(resource, dict):
            continue
        kind = resource.get("Type")
        pointer = f"/Resources/{logical_id}"
        if kind in ("AWS::Serverless::Api", "AWS::ApiGateway::RestApi"):
            rest = True
        elif kind == "AWS::Serverless::WebSocketApi":
            other.append((pointer, f"{logical_id} ({kind}): {WEBSOCKET_NOT_SUPPORTED}"))
        elif kind == "AWS::Serverless::HttpApi":
            other.append((pointer, f"{logical_id} (AWS::Serverless::HttpApi): {HTTP_NOT_SUPPORTED}"))
        elif kind == "AWS::ApiGatewayV2::Api":
            props = resource.get("Properties")
            protocol = props.get("ProtocolType") if isinstance(props, dict) else None
            reason = WEBSOCKET_NOT_SUPPORTED if protocol == "WEBSOCKET" else HTTP_NOT_SUPPORTED
            other.append((pointer, f"{logical_id} (AWS::ApiGatewayV2::Api {protocol}): {reason}"))
        elif kind == "AWS::Serverless::Function":
            for name, event in _events(resource).items():
                event_type = event.get("Type") if isinstance(event, dict) else None
                if event_type == "Api":
                    rest = True
                elif event_type == "HttpApi":
                    other.append(
                        (
                            f"{pointer}/Properties/Events/{name}",
                            f"{logical_id} event {name} (HttpApi): {HTTP_NOT_SUPPORTED}",
                        )
                    )
    return rest, other


def check_api_kinds(doc: dict[str, Any], source: str) -> tuple[bool, list[str]]:
    """Refuse a template with only HTTP/WebSocket APIs; else (has REST, warnings)."""
    resources = doc.get("Resources")
    if not isinstance(resources, dict):
        return False, []
    rest, other = _scan(resources)
    if other and not rest:
        pointer, reason = other[0]
        raise DefinitionError(source, pointer, reason)
    warnings = [f"{source}: {pointer}: {reason}; skipped" for pointer, reason in other]
    return rest, warnings
