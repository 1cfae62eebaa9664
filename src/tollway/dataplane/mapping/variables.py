"""``$context`` and the template inputs of a request, built only when a template needs them."""

from __future__ import annotations

from functools import partial
from typing import Any

import orjson

from tollway.dataplane.context import RequestContext
from tollway.dataplane.integrations.lambda_proxy.events import request_time
from tollway.dataplane.mapping.inputs import TemplateInputs
from tollway.model.account import ACCOUNT_ID


def context_vars(ctx: RequestContext) -> dict[str, Any]:
    """``$context`` as a nested dict, named as AWS names its variables."""
    served = ctx.served
    stage = served.name if served is not None else ""
    domain = ctx.domain
    identity: dict[str, Any] = {
        "accessKey": None,
        "accountId": None,
        "apiKey": None,
        "apiKeyId": None,
        "caller": None,
        "cognitoAuthenticationProvider": None,
        "cognitoAuthenticationType": None,
        "cognitoIdentityId": None,
        "cognitoIdentityPoolId": None,
        "principalOrgId": None,
        "sourceIp": ctx.request.source_ip,
        "user": None,
        "userAgent": ctx.header_map.get("user-agent"),
        "userArn": None,
    }
    caller = ctx.identity
    if caller.access_key is not None:
        identity.update(caller.signer_fields())
    if caller.api_key is not None:
        identity["apiKey"] = caller.api_key
        identity["apiKeyId"] = caller.api_key_id
    variables: dict[str, Any] = {
        "accountId": ACCOUNT_ID,
        "apiId": served.api_id if served is not None else "",
        "authorizer": ctx.authorizer.as_dict() if ctx.authorizer is not None else {},
        "deploymentId": served.stage.deployment_id if served is not None else "",
        "domainName": domain,
        "domainPrefix": domain.split(".", 1)[0] if domain else "",
        "extendedRequestId": ctx.extended_request_id,
        "httpMethod": ctx.request.method,
        "identity": identity,
        "path": f"/{stage}{ctx.path}" if stage else ctx.path,
        "protocol": ctx.request.protocol,
        "requestId": ctx.request_id,
        "requestTime": request_time(ctx.time_epoch_ms),
        "requestTimeEpoch": ctx.time_epoch_ms,
        "resourceId": ctx.method.resource_id if ctx.method is not None else "",
        "resourcePath": ctx.resource_path,
        "stage": stage,
    }
    if ctx.error is not None:
        message = ctx.error.message
        variables["error"] = {
            "message": message,
            "messageString": _json_string(message),
            "responseType": ctx.error.response_type,
            "validationErrorString": ctx.error.validation_error,
        }
    else:
        variables["error"] = {}
    return variables


def template_inputs(ctx: RequestContext, body: str) -> TemplateInputs:
    """Inputs for a template or mapping evaluated on this request, with ``body`` as ``$input.body``."""
    return TemplateInputs(
        body=body,
        path_params=ctx.path_params,
        querystring={k: v[-1] for k, v in ctx.query.items()},
        multi_querystring=ctx.query,
        context_of=partial(context_vars, ctx),
        header_pairs=ctx.headers,  # the method request's: without those AWS drops on arrival
        stage_variables=ctx.served.stage.variables if ctx.served is not None else {},
    )


def _json_string(text: str) -> str:
    return orjson.dumps(text).decode()
