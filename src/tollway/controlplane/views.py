"""What the control plane reports back: plain frozen records for the CLI and admin API."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    """One API applied from one file.

    ``deployment_ids[i]`` is what ``stages[i]`` now serves (empty when importing without
    deploying). ``warnings`` are the file's warnings, carried by the file's first outcome
    only so that they are shown once.
    """

    source: str
    api_id: str
    name: str
    key: str
    stages: tuple[str, ...] = ()
    deployment_ids: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ApiSummary:
    """One stored API, for listings."""

    id: str
    name: str
    key: str
    description: str | None
    source: str | None
    stages: tuple[str, ...]
