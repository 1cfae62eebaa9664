"""resource_policy: the API's resource policy, for the anonymous caller, before any
authentication (``tollway.dataplane.authorizers.resource_policy``)."""

from __future__ import annotations

from tollway.dataplane.authorizers.resource_policy import apply_resource_policy
from tollway.dataplane.context import RequestContext
from tollway.dataplane.services import Services


def resource_policy(ctx: RequestContext, services: Services) -> None:
    apply_resource_policy(ctx, services.clock())
