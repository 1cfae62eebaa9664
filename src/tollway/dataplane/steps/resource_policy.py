"""resource_policy: the API's resource policy, evaluated before authentication as AWS does.

For the anonymous caller: an explicit Deny answers 403 at once, whatever the method's
authorization type. A method without authorization also needs an explicit Allow. Methods
with an authorizer take the rest of the decision in ``authorize`` (``ctx.policy_verdict``);
``AWS_IAM`` methods evaluate the policy again there, with the signed caller as principal.
"""

from __future__ import annotations

from tollway.auth.policy import Verdict
from tollway.dataplane.authorizers.iam import INVOKE, denied_message
from tollway.dataplane.authorizers.request import condition_context, request_arn
from tollway.dataplane.context import RequestContext
from tollway.dataplane.services import Services
from tollway.errors import AccessDenied

ANONYMOUS = "anonymous"


def resource_policy(ctx: RequestContext, services: Services) -> None:
    served, method = ctx.served, ctx.method
    if served is None or served.policy is None or method is None:
        return
    arn = request_arn(ctx)
    verdict = served.policy.evaluate(INVOKE, arn, condition_context(ctx, services.clock()))
    if verdict is Verdict.DENY:
        raise AccessDenied(denied_message(ANONYMOUS, arn, explicit=True))
    if method.auth.type == "NONE" and verdict is not Verdict.ALLOW:
        raise AccessDenied(denied_message(ANONYMOUS, arn, explicit=False))
    ctx.policy_verdict = verdict
