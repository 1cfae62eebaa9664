"""validate: the method's request validator (required parameters, then the body's model).

AWS: 400 {"message": "Missing required request parameters: [a, b]"} or
400 {"message": "Invalid request body"}, with ``$context.error.validationErrorString``
(``tollway.dataplane.validation.rules``).
"""

from __future__ import annotations

from tollway.dataplane.context import RequestContext
from tollway.dataplane.services import Services
from tollway.dataplane.validation.rules import check


def validate(ctx: RequestContext, services: Services) -> None:
    method = ctx.method
    if method is None or method.validation is None:
        return
    check(
        method.validation,
        path_params=ctx.path_params,
        query=ctx.query,
        headers=ctx.header_map,
        content_type=ctx.media_type or None,
        body=ctx.request.body,
    )
