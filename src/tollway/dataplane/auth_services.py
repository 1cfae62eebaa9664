"""What the authorization stages need besides the request: one instance per worker."""

from __future__ import annotations

from dataclasses import dataclass, field

from tollway.dataplane.auth_lambda import ResultCache
from tollway.functions.executor import Executor


@dataclass(slots=True)
class AuthServices:
    """The function executor for Lambda authorizers and their result cache."""

    executor: Executor | None = None
    cache: ResultCache = field(default_factory=ResultCache)
