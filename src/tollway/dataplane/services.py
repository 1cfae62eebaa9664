"""What the pipeline's steps may use besides the context: one instance per worker."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from tollway.dataplane.addressing import StageDirectory
from tollway.dataplane.authorizers.services import AuthServices
from tollway.dataplane.integrations.base import Integration
from tollway.dataplane.usage_plans.access import Access
from tollway.state.memory import MemoryState


@dataclass(frozen=True, slots=True)
class Services:
    """Injected dependencies of the steps (so tests need no patching)."""

    integrations: Mapping[str, Integration]
    """Integration type name (``HTTP``, ``HTTP_PROXY``, ``MOCK``...) -> transport."""
    clock: Callable[[], float]
    """Wall-clock seconds since the epoch."""
    access: Access = field(default_factory=lambda: Access(MemoryState()))
    """API keys, usage plans and the state backend their limits are counted in."""
    auth: AuthServices = field(default_factory=AuthServices)
    directory: StageDirectory = field(default_factory=StageDirectory)
    """The served stages, by API and by name (the ``address`` step)."""
    """Authorizer functions, their result cache, token keys and IAM identities."""
