"""What the authorization steps need besides the request: one instance per worker."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tollway.dataplane.authorizers.cognito import UserPool
from tollway.dataplane.authorizers.lambda_ import AuthorizerResult, ResultCache
from tollway.dataplane.caller import AuthorizerContext
from tollway.functions.runtime.executor import Executor

if TYPE_CHECKING:
    from tollway.auth.jwks import JwksCache


@dataclass(slots=True)
class AuthServices:
    """Lambda authorizers' executor and result cache, user pools' keys (IAM identities are
    the world's: ``World.identities``)."""

    executor: Executor | None = None
    cache: ResultCache[AuthorizerResult] = field(default_factory=ResultCache)
    claims: ResultCache[dict[str, str]] = field(default_factory=ResultCache)
    """Verified user pool tokens' claims, by authorizer, scopes and token, until the earlier
    of the authorizer's TTL and the token's expiry."""
    http_cache: ResultCache[tuple[AuthorizerContext | None]] = field(default_factory=ResultCache)
    """HTTP API Lambda authorizers' answers (None: refused), by authorizer and identity."""
    jwt_issuers: dict[str, str] = field(default_factory=dict)
    """Issuer a JWT authorizer names -> the issuer this machine reaches (``serve --jwt-issuer``)."""
    user_pools: dict[str, UserPool] = field(default_factory=dict)
    """User pool ARN -> issuer and app clients (``serve --user-pool-issuer/--user-pool-client-id``)."""
    _jwks: JwksCache | None = None

    @property
    def jwks(self) -> JwksCache:
        """User pools' keys, made on first use (PyJWT loads only for user pool tokens)."""
        if self._jwks is None:
            from tollway.auth.jwks import JwksCache

            self._jwks = JwksCache()
        return self._jwks
