"""The API's resource policy for the anonymous caller, evaluated before authentication as
AWS does: an explicit Deny answers 403 at once, whatever the method's authorization type; a
method without authorization also needs an explicit Allow. Methods with an authorizer take
the rest of the decision in their ``check`` (``ctx.policy_verdict``); ``AWS_IAM`` methods
evaluate the policy again there, with the signed caller as principal."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tollway.auth.policy import Verdict
from tollway.dataplane.authorizers.iam import INVOKE, denied_message
from tollway.dataplane.authorizers.methods import NO_AUTH
from tollway.dataplane.authorizers.request import condition_context, request_arn
from tollway.errors import AccessDenied

if TYPE_CHECKING:
    from tollway.dataplane.context import RequestContext

ANONYMOUS = "anonymous"


def apply_resource_policy(ctx: RequestContext, now: float) -> None:
    """Reject what the policy denies the anonymous caller; keep its verdict for ``check``."""
    served, method = ctx.served, ctx.method
    if served is None or served.policy is None or method is None:
        return
    arn = request_arn(ctx)
    verdict = served.policy.evaluate(INVOKE, arn, condition_context(ctx, now))
    if verdict is Verdict.DENY:
        raise AccessDenied(denied_message(ANONYMOUS, arn, explicit=True))
    if method.auth is NO_AUTH and verdict is not Verdict.ALLOW:
        raise AccessDenied(denied_message(ANONYMOUS, arn, explicit=False))
    ctx.policy_verdict = verdict
