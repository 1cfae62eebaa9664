"""Expanding a SAM template into plain CloudFormation with aws-sam-translator, offline.

Intrinsics are resolved *after* the transform: the translator needs ``Ref``s to resources
intact to link function events to their API, and it resolves parameter ``Ref``s itself
where it must know a value (``StageName`` and the like) from the ``parameter_values`` we
pass. Before the transform we only do what SAM CLI does for local files: inline
``DefinitionUri`` and ``AWS::Include`` documents, and stand placeholders in for code
locations (a function's ``CodeUri`` need not exist to serve its API).

REST and HTTP APIs are left to the translator (``AWS::Serverless::HttpApi``, ``Globals.HttpApi``
and ``HttpApi`` events become ``AWS::ApiGatewayV2::Api`` with an OpenAPI body and its
``AWS::ApiGatewayV2::Stage``, read by ``apigatewayv2``), except an ``HttpApi`` event naming a
REST API, which is dropped with a warning. A WebSocket API is not served yet: it stays a
bare ``AWS::ApiGatewayV2::Api`` so that a ``Ref`` to it resolves.
"""

from __future__ import annotations

import copy
import logging
from pathlib import Path
from typing import Any
from urllib.parse import quote

from tollway.errors import DefinitionError
from tollway.formats import yamlio
from tollway.formats.cloudformation.intrinsics import include_document
from tollway.model.account import ACCOUNT_ID, REGION

SAM_TRANSFORM = "AWS::Serverless-2016-10-31"
PLACEHOLDER_BUCKET = "tollway-local"
LOCAL_KEY_PREFIX = "local/"
"""A local code location ``path`` stands in as ``s3://tollway-local/local/<quoted path>``, so
the function reader finds the path again in the translator's output (``Code.S3Key``)."""


_LATER_APIS = {"AWS::Serverless::WebSocketApi": "WEBSOCKET"}


def is_sam(doc: dict[str, Any]) -> bool:
    """A SAM template: it names the transform, or uses AWS::Serverless::* resources anyway."""
    transform = doc.get("Transform")
    names = transform if isinstance(transform, list) else [transform]
    if SAM_TRANSFORM in names:
        return True
    resources = doc.get("Resources")
    if not isinstance(resources, dict):
        return False
    return any(
        isinstance(r, dict) and str(r.get("Type", "")).startswith("AWS::Serverless::")
        for r in resources.values()
    )


def inline_includes(value: Any, source: str, warnings: list[str], pointer: str = "") -> Any:
    """``value`` with every ``Fn::Transform: AWS::Include`` replaced by the file it names."""
    if isinstance(value, dict):
        if len(value) == 1 and "Fn::Transform" in value:
            included = include_document(source, value["Fn::Transform"], pointer, warnings)
            return inline_includes(included, source, warnings, pointer)
        return {k: inline_includes(v, source, warnings, f"{pointer}/{k}") for k, v in value.items()}
    if isinstance(value, list):
        return [inline_includes(v, source, warnings, f"{pointer}/{i}") for i, v in enumerate(value)]
    return value


def prepare(doc: dict[str, Any], source: str, warnings: list[str]) -> dict[str, Any]:
    """A copy of ``doc`` the translator accepts without touching S3, SAR or local code.

    ``Policies`` are dropped: they only shape IAM roles, which tollway does not enforce,
    and policy names cannot be checked offline.
    """
    template: dict[str, Any] = inline_includes(copy.deepcopy(doc), source, warnings)
    template["Transform"] = SAM_TRANSFORM
    globals_ = template.get("Globals")
    function_globals = globals_.get("Function") if isinstance(globals_, dict) else None
    if isinstance(function_globals, dict):
        _placeholder_uri(function_globals, "CodeUri", local=True)
        function_globals.pop("Policies", None)
    resources = template.get("Resources")
    resources = resources if isinstance(resources, dict) else {}
    rest_apis = {
        lid
        for lid, res in resources.items()
        if isinstance(res, dict) and res.get("Type") == "AWS::Serverless::Api"
    }
    for logical_id, resource in resources.items():
        if isinstance(resource, dict) and isinstance(resource.get("Properties"), dict):
            _prepare_resource(logical_id, resource, source, function_globals, warnings)
            if resource.get("Type") == "AWS::Serverless::Function":
                _drop_http_events_on_rest_apis(
                    logical_id, resource["Properties"], rest_apis, source, warnings
                )
    return template


def _prepare_resource(
    logical_id: str,
    resource: dict[str, Any],
    source: str,
    function_globals: Any,
    warnings: list[str],
) -> None:
    kind = resource.get("Type")
    props: dict[str, Any] = resource["Properties"]
    if kind in ("AWS::Serverless::Function", "AWS::Serverless::StateMachine"):
        props.pop("Policies", None)
    if kind == "AWS::Serverless::Function":
        _prepare_function(logical_id, props, function_globals)
    elif kind in ("AWS::Serverless::Api", "AWS::Serverless::HttpApi"):
        _inline_definition_uri(logical_id, props, source, warnings)
    elif kind in _LATER_APIS:
        # Not served yet (``kinds`` names them in a warning): kept as a bare API resource,
        # so a Ref to it still resolves, without the translator reading what it declares.
        resource["Type"] = "AWS::ApiGatewayV2::Api"
        resource["Properties"] = {"Name": logical_id, "ProtocolType": _LATER_APIS[kind]}
    elif kind == "AWS::Serverless::StateMachine":
        _placeholder_uri(props, "DefinitionUri", as_dict=True)
    elif kind == "AWS::Serverless::LayerVersion":
        _placeholder_uri(props, "ContentUri", local=True)
    elif kind == "AWS::Serverless::GraphQLApi":
        _placeholder_uri(props, "SchemaUri")
    elif kind == "AWS::Serverless::Application":
        # Nested applications are handled as plain nested stacks; never ask SAR for them.
        location = props.get("Location")
        resource["Type"] = "AWS::CloudFormation::Stack"
        resource["Properties"] = {
            "TemplateURL": location if isinstance(location, str) else "serverlessrepo:",
            "Parameters": props.get("Parameters", {}),
        }


def _prepare_function(logical_id: str, props: dict[str, Any], function_globals: Any) -> None:
    global_code = isinstance(function_globals, dict) and "CodeUri" in function_globals
    if props.get("PackageType") == "Image" or (
        isinstance(function_globals, dict) and function_globals.get("PackageType") == "Image"
    ):
        props.setdefault("ImageUri", f"{ACCOUNT_ID}.dkr.ecr.{REGION}.amazonaws.com/{logical_id}:latest")
    elif "InlineCode" not in props and "CodeUri" not in props and not global_code:
        props["CodeUri"] = f"s3://{PLACEHOLDER_BUCKET}/{logical_id}.zip"
    _placeholder_uri(props, "CodeUri", local=True)


def _drop_http_events_on_rest_apis(
    logical_id: str, props: dict[str, Any], rest_apis: set[str], source: str, warnings: list[str]
) -> None:
    """Drop ``HttpApi`` events whose ``ApiId`` names a REST API (``AWS::Serverless::Api``).

    The translator would write HTTP API routes (a ``$default`` path, payload 2.0
    integrations) into the REST API's body, which API Gateway's REST import does not
    accept; the event is skipped and named in a warning instead.
    """
    events = props.get("Events")
    if not isinstance(events, dict):
        return
    kept: dict[str, Any] = {}
    for name, event in events.items():
        event_props = event.get("Properties") if isinstance(event, dict) else None
        api = event_props.get("ApiId") if isinstance(event_props, dict) else None
        target = api.get("Ref") if isinstance(api, dict) else None
        if isinstance(event, dict) and event.get("Type") == "HttpApi" and target in rest_apis:
            warnings.append(
                f"{source}: /Resources/{logical_id}/Properties/Events/{name}: an HttpApi event names "
                f"{target}, a REST API (AWS::Serverless::Api); skipped"
            )
            continue
        kept[name] = event
    props["Events"] = kept


def _placeholder_uri(props: dict[str, Any], key: str, *, as_dict: bool = False, local: bool = False) -> None:
    value = props.get(key)
    if isinstance(value, str) and not value.startswith("s3://"):
        # Quoted: the translator parses the URI, and "?" or "#" in a path would be lost.
        name = LOCAL_KEY_PREFIX + quote(value, safe="/") if local else value.strip("./") or "code"
        props[key] = (
            {"Bucket": PLACEHOLDER_BUCKET, "Key": name} if as_dict else f"s3://{PLACEHOLDER_BUCKET}/{name}"
        )


def _inline_definition_uri(logical_id: str, props: dict[str, Any], source: str, warnings: list[str]) -> None:
    uri = props.get("DefinitionUri")
    if uri is None or "DefinitionBody" in props:
        return
    pointer = f"/Resources/{logical_id}/Properties/DefinitionUri"
    if not isinstance(uri, str) or uri.startswith("s3://"):
        _s3_definition(logical_id, props, source, warnings)
        return
    path = Path(source).parent / uri
    if not path.is_file():
        raise DefinitionError(source, pointer, f"{logical_id}: DefinitionUri file {uri} does not exist")
    props["DefinitionBody"] = inline_includes(yamlio.load_file(path), str(path), warnings)
    del props["DefinitionUri"]


def _s3_definition(logical_id: str, props: dict[str, Any], source: str, warnings: list[str]) -> None:
    """A DefinitionUri in S3 cannot be read offline.

    A local file of the same name next to the template is used in its place; failing
    that, the API is built from the function events that name it, as SAM does for an
    API without a definition (what only the S3 document declares is missing).
    """
    uri = props.pop("DefinitionUri")
    key = uri.get("Key") if isinstance(uri, dict) else str(uri).rsplit("/", 1)[-1]
    where = f"{source}: /Resources/{logical_id}/Properties/DefinitionUri"
    local = Path(source).parent / str(key).rsplit("/", 1)[-1] if key else None
    if local is not None and local.is_file():
        props["DefinitionBody"] = inline_includes(yamlio.load_file(local), str(local), warnings)
        warnings.append(f"{where}: the document is in Amazon S3; the local {local.name} was used")
        return
    warnings.append(
        f"{where}: the document is in Amazon S3 and cannot be read offline; the API was built "
        "from the function events that name it"
    )


def transform(template: dict[str, Any], source: str, parameters: dict[str, Any]) -> dict[str, Any]:
    """Run aws-sam-translator with no AWS calls; translator errors become DefinitionErrors."""
    import boto3  # type: ignore[import-untyped]  # untyped; aws-sam-translator depends on it
    from samtranslator.model.exceptions import InvalidDocumentException
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator

    # An explicit region and dummy keys: the translator must never look for real ones.
    session = boto3.session.Session(
        aws_access_key_id="tollway",
        aws_secret_access_key="tollway",
        region_name=REGION,
    )
    translator = Translator(None, Parser(), boto_session=session)
    # The translator logs feature-toggle and metrics chatter at WARNING; not for our users.
    logging.getLogger("samtranslator").setLevel(logging.ERROR)
    try:
        result: dict[str, Any] = translator.translate(
            template,
            parameter_values=dict(parameters),
            get_managed_policy_map=lambda: {},
        )
    except InvalidDocumentException as exc:
        raise _translator_error(source, exc) from None
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise DefinitionError(source, "", f"SAM transform failed: {exc!r}") from None
    return result


def _translator_error(source: str, exc: Any) -> DefinitionError:
    causes = list(getattr(exc, "causes", []) or [])
    # InvalidResourceException keeps the resource's logical id in ``_logical_id``.
    ids = [getattr(c, "_logical_id", None) for c in causes]
    logical_id = next((i for i in ids if isinstance(i, str)), None)
    messages = "; ".join(str(getattr(c, "message", c)) for c in causes) or str(exc)
    pointer = f"/Resources/{logical_id}" if logical_id else ""
    return DefinitionError(source, pointer, f"SAM transform failed: {messages}")
