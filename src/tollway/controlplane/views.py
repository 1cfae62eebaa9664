"""What the control plane reports back: plain frozen records for the CLI and admin API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tollway.model.api import Deployment, Stage
    from tollway.model.functions import FunctionDef
    from tollway.model.identity import Identity
    from tollway.model.plans import ApiKey, UsagePlan


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    """One API applied from one file.

    ``deployment_ids[i]`` is what ``stages[i]`` now serves (empty when importing without
    deploying). ``warnings`` and ``functions`` (the names of the Lambda functions stored
    from the file) are carried by the file's first outcome only, so that they are shown
    once. A file that defines functions but no API gives one outcome with an empty
    ``api_id``.
    """

    source: str
    api_id: str
    name: str
    key: str
    stages: tuple[str, ...] = ()
    deployment_ids: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    functions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ApiSummary:
    """One stored API, for listings."""

    id: str
    name: str
    key: str
    description: str | None
    source: str | None
    stages: tuple[str, ...]
    protocol: str = "REST"
    """``REST`` or ``HTTP``."""


@dataclass(frozen=True, slots=True)
class ServingRecords:
    """Everything the data plane serves, read from one snapshot of the store, so that a
    world built from it never pairs a deployment of one write with keys of another."""

    generation: int
    """The store's change counter at the snapshot."""
    stages: list[tuple[Stage, Deployment]]
    """Every stage with the deployment it serves."""
    functions: dict[str, FunctionDef]
    """Function definitions by name."""
    keys: list[ApiKey]
    plans: list[UsagePlan]
    identities: list[Identity]
    """IAM identities, secrets included (for the data plane only)."""
