"""What authorization decisions read off a request: its methodArn and its condition keys."""

from __future__ import annotations

import datetime as dt

from tollway.auth.policy import method_arn
from tollway.dataplane.context import RequestContext
from tollway.model.account import ACCOUNT_ID, REGION


def request_arn(ctx: RequestContext) -> str:
    """The methodArn (an HTTP API's routeArn) of this request: the path the router matched,
    in this stage, without a trailing slash (routing ignores it, so ``/admin/`` is ``/admin``
    to every policy too: a Deny of ``GET/admin`` is not escaped by a slash)."""
    served = ctx.served if ctx.served is not None else ctx.http
    assert served is not None
    path = ctx.path
    if len(path) > 1 and path.endswith("/"):
        path = path.rstrip("/")
    return method_arn(REGION, ACCOUNT_ID, served.api_id, served.name, ctx.request.method, path)


def condition_context(ctx: RequestContext, now: float) -> dict[str, str]:
    """The global condition keys a request has (``aws:SourceIp`` and the like)."""
    moment = dt.datetime.fromtimestamp(now, dt.UTC)
    context = {
        "aws:SourceIp": ctx.request.source_ip,
        "aws:SecureTransport": "false",
        "aws:CurrentTime": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "aws:EpochTime": str(int(now)),
    }
    for header, key in (("user-agent", "aws:UserAgent"), ("referer", "aws:Referer")):
        value = ctx.header_map.get(header)
        if value is not None:
            context[key] = value
    return context
