"""The messages the pipeline's steps pass on: the client's request, what an integration is
sent and answers, the response to send. Plain data, importing nothing of tollway's."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class Request:
    """The client's request as parsed by the server (``parse`` stage input)."""

    method: str
    target: str
    """The raw request target (``/prod/pets?x=1``)."""
    headers: list[tuple[str, str]]
    """Header names as the client sent them, in order, repeated names kept."""
    body: bytes
    source_ip: str
    protocol: str = "HTTP/1.1"


@dataclass(slots=True)
class IntegrationRequest:
    """What ``map_request`` built for the backend."""

    method: str
    url: str
    headers: list[tuple[str, str]]
    body: bytes
    timeout_s: float


@dataclass(slots=True)
class IntegrationResult:
    """What the backend answered (``integrate`` stage output)."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes


@dataclass(slots=True)
class Response:
    """The response to send. Built by ``map_response`` or ``on_error``; sent by ``respond``."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes
