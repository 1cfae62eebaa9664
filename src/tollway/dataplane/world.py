"""The served world: everything the data plane serves that changes with the store.

A ``World`` is the API stages (``addressing.StageDirectory``), the API keys and usage plans
(``usage_plans.access.AccessIndex``), the IAM identities (``authorizers.iam.IdentityIndex``)
and the function definitions, read from one consistent state of the store and built off the
event loop (``tollway.launcher.build_world``). Nothing in it changes once built: a change of
the store builds a new world, installed whole by one assignment (``Gateway.install``).

A request sees one world for its whole life: the one installed when it arrived
(``RequestContext.world``). A swap while it waits (on an authorizer, on its integration) never
gives it stages of one world and keys or identities of another.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tollway.dataplane.addressing import StageDirectory
from tollway.dataplane.authorizers.iam import IdentityIndex
from tollway.dataplane.usage_plans.access import AccessIndex

if TYPE_CHECKING:
    from tollway.model.functions import FunctionDef


@dataclass(frozen=True, slots=True)
class World:
    """One state of what is served; replaced whole, never changed."""

    directory: StageDirectory = field(default_factory=StageDirectory)
    """The served API stages, by API and by name (the ``address`` step)."""
    keys: AccessIndex = field(default_factory=AccessIndex)
    """API keys and the usage plans granting them API stages (the ``api_key`` step)."""
    identities: IdentityIndex = field(default_factory=IdentityIndex)
    """SigV4 signers: the store's identities and ``serve --identities FILE`` (``AWS_IAM``)."""
    functions: Mapping[str, FunctionDef] = field(default_factory=dict)
    """The function definitions the executor runs, by name (``--env-vars`` applied)."""
    generation: int = -1
    """The store's change counter this world was read at (-1: not read from a store)."""


EMPTY_WORLD = World()
"""Nothing served: the world of a gateway before its first ``install``."""
