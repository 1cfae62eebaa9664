"""The integration protocol and its registry, keyed by AWS's integration type name."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from tollway.dataplane.messages import IntegrationRequest, IntegrationResult


class Integration(Protocol):
    """Calls one kind of backend. Mapping happens in the pipeline; this is transport only."""

    async def call(self, request: IntegrationRequest) -> IntegrationResult:
        """Send ``request``; raise IntegrationTimeout / IntegrationFailure on failure."""
        ...


IntegrationFactory = Callable[[], Integration]
