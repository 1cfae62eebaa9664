"""What ``Ref`` and ``Fn::GetAtt`` of a resource evaluate to when no AWS account is there.

Values are stable fakes derived from the stack and logical id, so every import of the same
file agrees. Where tollway itself serves the resource the fake is the real thing: ``Ref``
of a RestApi or an HTTP API (``AWS::ApiGatewayV2::Api``) is the id tollway gives that API,
``Ref`` of an HTTP API integration is the id a route's ``Target`` names, and a Lambda
function's ARN names the function as the function runtime knows it: by its
``FunctionName``, else its logical id. Versions are numbered 1, 2, ... per function in
template order, as CloudFormation would publish them into a new function. A Cognito user
pool gets an id, ARN and issuer in Cognito's shapes, so an authorizer naming
``Fn::GetAtt Pool.Arn`` finds the pool's issuer.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any, Protocol

from tollway.model import ids
from tollway.model.account import ACCOUNT_ID, REGION


class ResourceReader(Protocol):
    """What this module reads of a template: its resources, typed and resolved.

    ``intrinsics.Resolver`` is one (it evaluates ``Ref``/``Fn::GetAtt`` through this
    module, so this module names only the part of it that it reads).
    """

    @property
    def stack_key(self) -> str: ...

    @property
    def resources(self) -> Mapping[str, Any]: ...

    def resource_enabled(self, logical_id: str) -> bool: ...

    def resource_type(self, logical_id: str) -> str: ...

    def resource_property(self, logical_id: str, name: str) -> Any: ...


FUNCTION_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
"""Lambda's rule for a function name given on its own (not as an ARN)."""
_FUNCTION_ARN = re.compile(r"arn:[^:]+:lambda:[^:]*:[^:]*:function:([^:]+)(?::.*)?")

# SAM resource types read as the CloudFormation resource they become (for a standalone
# OpenAPI document resolved against the SAM template that includes it).
SAM_TYPES = {
    "AWS::Serverless::Function": "AWS::Lambda::Function",
    "AWS::Serverless::Api": "AWS::ApiGateway::RestApi",
    "AWS::Serverless::HttpApi": "AWS::ApiGatewayV2::Api",
    "AWS::Serverless::StateMachine": "AWS::StepFunctions::StateMachine",
    "AWS::Serverless::SimpleTable": "AWS::DynamoDB::Table",
    "AWS::Serverless::LayerVersion": "AWS::Lambda::LayerVersion",
}

# AWS::ApiGateway children whose Ref is a short id (AWS returns e.g. "a1b2c3").
_SHORT_ID_TYPES = frozenset(
    {
        "AWS::ApiGateway::Resource",
        "AWS::ApiGateway::Authorizer",
        "AWS::ApiGateway::RequestValidator",
        "AWS::ApiGateway::Deployment",
        "AWS::ApiGateway::ApiKey",
        "AWS::ApiGateway::UsagePlan",
        "AWS::ApiGateway::VpcLink",
        "AWS::ApiGateway::ClientCertificate",
    }
)


# AWS::ApiGatewayV2 children whose Ref is a short id (an integration's is what a route's
# ``Target: integrations/ID`` names). An authorizer's Ref depends on its Name instead, so
# that an authorizer declared in an OpenAPI body gets the same id (``http_import``).
_V2_SHORT_ID_TYPES = frozenset(
    {
        "AWS::ApiGatewayV2::Integration",
        "AWS::ApiGatewayV2::Route",
        "AWS::ApiGatewayV2::Deployment",
        "AWS::ApiGatewayV2::VpcLink",
        "AWS::ApiGatewayV2::Model",
    }
)


def api_key(stack_key: str, logical_id: str) -> str:
    """The ImportedApi key of a template's API resource."""
    return f"{stack_key}#{logical_id}"


def short_id(stack_key: str, logical_id: str) -> str:
    """The fake physical id of an API Gateway child resource (resource, authorizer, ...)."""
    return ids.stable_id("cfn", stack_key, logical_id, length=6)


def lambda_arn(function: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{function}"


def function_name(r: ResourceReader, logical_id: str) -> str:
    """The name of a ``AWS::Lambda::Function``: its ``FunctionName`` when that is a valid
    function name, else its logical id (CloudFormation would generate one)."""
    name = r.resource_property(logical_id, "FunctionName")
    return name if isinstance(name, str) and FUNCTION_NAME.fullmatch(name) else logical_id


def target_function(value: Any) -> str | None:
    """The function a ``FunctionName`` property of a Version/Alias/Permission names: a name,
    or a function ARN (qualified or not)."""
    if not isinstance(value, str):
        return None
    match = _FUNCTION_ARN.fullmatch(value)
    return match.group(1) if match else value


def version_numbers(r: ResourceReader) -> dict[str, tuple[str, str]]:
    """Version logical id -> (function name, version number), numbered per function in
    template order. Versions whose resource Condition is false are not published."""
    numbers: dict[str, tuple[str, str]] = {}
    counts: dict[str, int] = {}
    for logical_id, resource in r.resources.items():
        if not isinstance(resource, dict) or resource.get("Type") != "AWS::Lambda::Version":
            continue
        if not r.resource_enabled(logical_id):
            continue
        function = target_function(r.resource_property(logical_id, "FunctionName")) or ""
        counts[function] = counts.get(function, 0) + 1
        numbers[logical_id] = (function, str(counts[function]))
    return numbers


def layer_arn(r: ResourceReader, logical_id: str) -> str:
    """``Ref`` of a layer version: its ARN, version 1 of the layer it names."""
    name = r.resource_property(logical_id, "LayerName")
    layer = name if isinstance(name, str) and name else logical_id
    return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:layer:{layer}:1"


def fake_arn(resource_type: str, logical_id: str) -> str:
    """A plausible ARN for a resource tollway does not run (queues, tables, roles, ...)."""
    parts = resource_type.split("::")
    service = parts[1].lower() if len(parts) > 1 else "unknown"
    kind = parts[2].lower() if len(parts) > 2 else "resource"
    special = {
        "iam": f"arn:aws:iam::{ACCOUNT_ID}:{kind}/{logical_id}",
        "sqs": f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{logical_id}",
        "sns": f"arn:aws:sns:{REGION}:{ACCOUNT_ID}:{logical_id}",
        "stepfunctions": f"arn:aws:states:{REGION}:{ACCOUNT_ID}:stateMachine:{logical_id}",
        "lambda": lambda_arn(logical_id),
    }
    return special.get(service, f"arn:aws:{service}:{REGION}:{ACCOUNT_ID}:{kind}/{logical_id}")


_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
USER_POOL = "AWS::Cognito::UserPool"
USER_POOL_CLIENT = "AWS::Cognito::UserPoolClient"


def user_pool_id(logical_id: str) -> str:
    """A Cognito user pool id in Cognito's shape, ``us-east-1_AbCdEf123``: the region, ``_``
    and 9 letters or digits. It depends on the logical id only, so the pool's ARN (what
    ``serve --user-pool-issuer ARN=URL`` names) is the same on every machine and import."""
    number = int.from_bytes(hashlib.sha256(f"userpool\x1f{logical_id}".encode()).digest(), "big")
    chars = []
    for _ in range(9):
        number, rem = divmod(number, 62)
        chars.append(_BASE62[rem])
    return f"{REGION}_{''.join(chars)}"


def user_pool_arn(logical_id: str) -> str:
    return f"arn:aws:cognito-idp:{REGION}:{ACCOUNT_ID}:userpool/{user_pool_id(logical_id)}"


def user_pool_provider(logical_id: str) -> str:
    """``ProviderName``: the issuer without its scheme (``ProviderURL`` is the issuer)."""
    return f"cognito-idp.{REGION}.amazonaws.com/{user_pool_id(logical_id)}"


def _user_pool_attribute(logical_id: str, attribute: str) -> str | None:
    return {
        "Arn": user_pool_arn(logical_id),
        "UserPoolId": user_pool_id(logical_id),
        "ProviderName": user_pool_provider(logical_id),
        "ProviderURL": f"https://{user_pool_provider(logical_id)}",
    }.get(attribute)


def ref_value(r: ResourceReader, logical_id: str) -> Any:
    """``Ref`` of a resource (its physical id as CloudFormation would report it)."""
    kind = r.resource_type(logical_id)
    if kind in ("AWS::ApiGateway::RestApi", "AWS::ApiGatewayV2::Api"):
        return ids.api_id(api_key(r.stack_key, logical_id))
    if kind == "AWS::ApiGatewayV2::Authorizer":
        from tollway.formats.openapi.http_import import authorizer_id

        return authorizer_id(_named(r, logical_id, "Name"))
    if kind in _V2_SHORT_ID_TYPES:
        return short_id(r.stack_key, logical_id)
    if kind in _SHORT_ID_TYPES:
        return short_id(r.stack_key, logical_id)
    if kind == "AWS::ApiGateway::Model":
        return _named(r, logical_id, "Name")
    if kind in ("AWS::ApiGateway::Stage", "AWS::ApiGatewayV2::Stage"):
        return _named(r, logical_id, "StageName")
    if kind == "AWS::Lambda::Alias":
        return f"{_function_arn(r, logical_id)}:{_named(r, logical_id, 'Name')}"
    if kind == "AWS::Lambda::Version":
        return f"{_function_arn(r, logical_id)}:{_version_number(r, logical_id)}"
    if kind == "AWS::Lambda::Function":
        return function_name(r, logical_id)
    if kind == "AWS::Lambda::LayerVersion":
        return layer_arn(r, logical_id)
    if kind == "AWS::SQS::Queue":
        return f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT_ID}/{logical_id}"
    if kind in ("AWS::SNS::Topic", "AWS::StepFunctions::StateMachine"):
        return fake_arn(kind, logical_id)
    if kind == USER_POOL:
        return user_pool_id(logical_id)
    if kind == USER_POOL_CLIENT:  # an app client id: 26 lowercase letters and digits
        return ids.stable_id("userpoolclient", logical_id, length=26)
    return logical_id


_ID_ATTRIBUTES = frozenset(
    {
        ("AWS::ApiGateway::RequestValidator", "RequestValidatorId"),
        ("AWS::ApiGateway::Authorizer", "AuthorizerId"),
        ("AWS::ApiGateway::Deployment", "DeploymentId"),
        ("AWS::ApiGateway::Resource", "ResourceId"),
        ("AWS::ApiGateway::ApiKey", "APIKeyId"),
        ("AWS::ApiGateway::UsagePlan", "Id"),
    }
)


def attribute_value(r: ResourceReader, logical_id: str, attribute: str) -> Any:
    """``Fn::GetAtt`` of a resource attribute."""
    kind = r.resource_type(logical_id)
    if kind == "AWS::Lambda::Function" and attribute == "Arn":
        return lambda_arn(function_name(r, logical_id))
    if kind == "AWS::Lambda::Version" and attribute == "Version":
        return _version_number(r, logical_id)
    if kind == "AWS::Lambda::Version" and attribute == "FunctionArn":
        return _function_arn(r, logical_id)
    if kind == "AWS::ApiGateway::RestApi" and attribute == "RootResourceId":
        return ids.resource_id(ids.api_id(api_key(r.stack_key, logical_id)), "/")
    if kind == "AWS::ApiGatewayV2::Api" and attribute == "ApiId":
        return ref_value(r, logical_id)
    if kind == "AWS::ApiGatewayV2::Api" and attribute == "ApiEndpoint":
        return f"https://{ref_value(r, logical_id)}.execute-api.{REGION}.amazonaws.com"
    if (kind, attribute) in (
        ("AWS::ApiGatewayV2::Authorizer", "AuthorizerId"),
        ("AWS::ApiGatewayV2::Integration", "IntegrationId"),
        ("AWS::ApiGatewayV2::Route", "RouteId"),
        ("AWS::ApiGatewayV2::VpcLink", "VpcLinkId"),
    ):
        return ref_value(r, logical_id)
    if (kind, attribute) in _ID_ATTRIBUTES:
        return ref_value(r, logical_id)  # RequestValidatorId, AuthorizerId...: the same as Ref
    if kind == USER_POOL and (value := _user_pool_attribute(logical_id, attribute)) is not None:
        return value
    if kind == USER_POOL_CLIENT and attribute == "ClientId":
        return ref_value(r, logical_id)
    if kind == "AWS::SQS::Queue" and attribute == "QueueName":
        return logical_id
    if kind == "AWS::SQS::Queue" and attribute == "QueueUrl":
        return ref_value(r, logical_id)
    if attribute == "Arn" or attribute.endswith("Arn"):
        return fake_arn(kind, logical_id)
    return f"{logical_id}.{attribute}"


def _named(r: ResourceReader, logical_id: str, prop: str) -> str:
    value = r.resource_property(logical_id, prop)
    return value if isinstance(value, str) else logical_id


def _function_arn(r: ResourceReader, logical_id: str) -> str:
    function = target_function(r.resource_property(logical_id, "FunctionName"))
    return lambda_arn(function or logical_id)


def _version_number(r: ResourceReader, logical_id: str) -> str:
    found = version_numbers(r).get(logical_id)
    return found[1] if found else "1"
