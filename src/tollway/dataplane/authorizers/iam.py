"""``AWS_IAM`` methods: SigV4-signed requests from identities tollway stores, their IAM
policies, and the API's resource policy, combined as API Gateway combines them.

Outcome (AWS's policy evaluation tables): an explicit Deny in the identity's policy or the
resource policy denies. Otherwise, for a caller of the API's own account, an Allow in either
allows; for a caller of another account both must allow. Anything else is an implicit deny.
Denials answer 403 ``User: {userArn} is not authorized to perform: execute-api:Invoke on
resource: {methodArn}`` (``with an explicit deny`` when a Deny matched).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from tollway.auth import sigv4
from tollway.auth.policy import Policy, PolicyError, Verdict, compile_policy
from tollway.auth.sigv4 import Credentials
from tollway.dataplane.caller import CallerIdentity
from tollway.dataplane.messages import Request
from tollway.errors import AccessDenied
from tollway.model.account import ACCOUNT_ID
from tollway.model.identity import Identity

INVOKE = "execute-api:Invoke"


@dataclass(frozen=True, slots=True)
class Principal:
    """A stored identity as the data plane uses it: credentials and compiled policy."""

    credentials: Credentials
    name: str
    policy: Policy | None
    """None when the stored policy no longer compiles (it then allows nothing)."""
    identity: CallerIdentity
    """``$context.identity`` of a request this principal signed."""


class IdentityIndex:
    """Identities by access key id; built once per store change, swapped whole."""

    def __init__(self, identities: Iterable[Identity] = ()) -> None:
        self._by_key: dict[str, Principal] = {}
        for identity in identities:
            credentials = Credentials(
                identity.access_key_id, identity.secret_access_key, identity.account_id, identity.user_arn
            )
            try:
                policy: Policy | None = compile_policy(identity.policy)
            except PolicyError:
                policy = None
            caller = CallerIdentity.signer(identity.access_key_id, identity.account_id, identity.user_arn)
            self._by_key[identity.access_key_id] = Principal(credentials, identity.name, policy, caller)

    def principal(self, access_key_id: str) -> Principal | None:
        return self._by_key.get(access_key_id)

    def credentials(self, access_key_id: str) -> Credentials | None:
        found = self._by_key.get(access_key_id)
        return found.credentials if found is not None else None

    def __len__(self) -> int:
        return len(self._by_key)


def signer(request: Request, identities: IdentityIndex, now: float) -> Principal:
    """The identity whose SigV4 signature ``request`` carries; ``sigv4.verify``'s errors
    (AWS's messages) for a missing, malformed, expired or wrong signature."""
    raw_path, _, raw_query = request.target.partition("?")
    verified = sigv4.verify(
        request.method, raw_path, raw_query, request.headers, request.body, identities.credentials, now
    )
    principal = identities.principal(verified.credentials.access_key_id)
    assert principal is not None  # verify found its credentials in the same index
    return principal


def decide(
    principal: Principal,
    resource_policy: Policy | None,
    method_arn: str,
    context: Mapping[str, str],
) -> None:
    """403 unless the identity may invoke ``method_arn`` (see the module docstring)."""
    user_arn = principal.credentials.user_arn
    own = principal.policy.evaluate(INVOKE, method_arn, context) if principal.policy else Verdict.NONE
    api = (
        resource_policy.evaluate(INVOKE, method_arn, context, principal=user_arn)
        if resource_policy is not None
        else Verdict.NONE
    )
    if Verdict.DENY in (own, api):
        raise AccessDenied(denied_message(user_arn, method_arn, explicit=True))
    same_account = principal.credentials.account_id == ACCOUNT_ID
    allowed = Verdict.ALLOW in (own, api) if same_account else own is api is Verdict.ALLOW
    if not allowed:
        raise AccessDenied(denied_message(user_arn, method_arn, explicit=False))


def denied_message(who: str, method_arn: str, *, explicit: bool) -> str:
    """AWS's message; the account id in the ARN is masked but for its last four digits."""
    parts = method_arn.split(":", 5)
    if len(parts) == 6 and len(parts[4]) > 4:
        parts[4] = "*" * (len(parts[4]) - 4) + parts[4][-4:]
    message = f"User: {who} is not authorized to perform: {INVOKE} on resource: {':'.join(parts)}"
    return message + " with an explicit deny" if explicit else message
