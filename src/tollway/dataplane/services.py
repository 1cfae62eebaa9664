"""What the pipeline's steps may use besides the context: one instance per worker."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from tollway.dataplane.authorizers.services import AuthServices
from tollway.dataplane.integrations.base import Integration
from tollway.dataplane.usage_plans.access import Access
from tollway.dataplane.world import EMPTY_WORLD, World
from tollway.state.memory import MemoryState


@dataclass(slots=True)
class Services:
    """Injected dependencies of the steps (so tests need no patching), and the world they
    serve. Every field but ``world`` is set once; ``world`` is replaced whole
    (``Gateway.install``) and read once per request (``RequestContext.world``)."""

    integrations: Mapping[str, Integration]
    """Integration type name (``HTTP``, ``HTTP_PROXY``, ``MOCK``...) -> transport."""
    clock: Callable[[], float]
    """Wall-clock seconds since the epoch."""
    access: Access = field(default_factory=lambda: Access(MemoryState()))
    """The state backend usage plans' limits are counted in, and the account-level limit."""
    auth: AuthServices = field(default_factory=AuthServices)
    """Authorizer functions, their result caches and user pools' keys."""
    vpc_links: Mapping[str, str] = field(default_factory=dict)
    """A private integration's URI or VPC link id -> the URL it is served at (``--vpc-link``)."""
    world: World = EMPTY_WORLD
    """What is served now: stages, keys and plans, identities, functions."""
