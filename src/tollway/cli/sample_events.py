"""Sample events for ``tollway generate-event SERVICE EVENT`` (as ``sam local generate-event``).

The API Gateway events are built by the same code that builds the events tollway sends its
functions (``functions.events``), from a sample request, so a handler tested with one sees
exactly what ``tollway serve`` will send it. The events of other services follow the shapes
AWS documents for them, with SAM CLI's option names and defaults.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from tollway.dataplane.integrations.lambda_proxy.events import EventRequest, build_v1_event, build_v2_event
from tollway.model.account import ACCOUNT_ID, REGION

SAMPLE_EPOCH_MS = 1_583_348_638_390  # 04/Mar/2020:19:03:58 +0000, the date of AWS's own samples
SAMPLE_IP = "203.0.113.7"
SAMPLE_AGENT = "curl/8.5.0"

Builder = Callable[[Mapping[str, str]], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Sample:
    """One event a service sends, its options (name -> default) and how it is built."""

    help: str
    options: dict[str, str]
    build: Builder


def _request(o: Mapping[str, str], *, with_body: bool) -> EventRequest:
    path = "/" + o["path"].lstrip("/")
    resource = o["resource"]
    params = {"proxy": path.lstrip("/")} if resource.endswith("{proxy+}") else {}
    domain = f"{o['api-id']}.execute-api.{o['region']}.amazonaws.com"
    body = o["body"].encode() if with_body else b""
    headers = [
        ("Accept", "*/*"),
        ("Content-Type", "application/json"),
        ("Host", domain),
        ("User-Agent", SAMPLE_AGENT),
        ("X-Amzn-Trace-Id", "Root=1-5e5ff9de-7d5c3b6c2c3a1e4f8b9d0a12"),
        ("X-Forwarded-For", SAMPLE_IP),
        ("X-Forwarded-Port", "443"),
        ("X-Forwarded-Proto", "https"),
    ]
    return EventRequest(
        method=o["method"].upper(),
        path=path,
        resource_path=resource,
        path_params=params,
        headers=headers if body else [h for h in headers if h[0] != "Content-Type"],
        query={"foo": ["bar"]},
        body=body,
        is_binary=False,
        stage=o["stage"],
        stage_variables={},
        request_id="c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
        extended_request_id="JJbxmHc3IAMFuSw=",
        time_epoch_ms=SAMPLE_EPOCH_MS,
        api_id=o["api-id"],
        resource_id="123456",
        source_ip=SAMPLE_IP,
        user_agent=SAMPLE_AGENT,
        domain_name=domain,
        protocol="HTTP/1.1",
        account_id=o["account-id"],
        deployment_id="wy3mtd",
    )


def _method_arn(o: Mapping[str, str]) -> str:
    resource = o["resource"].lstrip("/")
    return (
        f"arn:{o['partition']}:execute-api:{o['region']}:{o['account-id']}:"
        f"{o['api-id']}/{o['stage']}/{o['method'].upper()}/{resource}"
    )


def _aws_proxy(o: Mapping[str, str]) -> dict[str, Any]:
    return build_v1_event(_request(o, with_body=True))


def _token_authorizer(o: Mapping[str, str]) -> dict[str, Any]:
    return {"type": "TOKEN", "authorizationToken": o["token"], "methodArn": _method_arn(o)}


def _request_authorizer(o: Mapping[str, str]) -> dict[str, Any]:
    event = build_v1_event(_request(o, with_body=False))
    del event["body"], event["isBase64Encoded"]
    return {"type": "REQUEST", "methodArn": _method_arn(o), **event}


def _http_api_proxy(o: Mapping[str, str]) -> dict[str, Any]:
    request = _request(o, with_body=True)
    route = f"{request.method} {o['resource']}"
    raw_path = request.path if o["stage"] == "$default" else f"/{o['stage']}{request.path}"
    return build_v2_event(request, route_key=route, raw_path=raw_path, raw_query="foo=bar")


def _arn(o: Mapping[str, str], service: str, resource: str) -> str:
    return f"arn:{o['partition']}:{service}:{o['region']}:{o['account-id']}:{resource}"


def _s3(event_name: str) -> Builder:
    def build(o: Mapping[str, str]) -> dict[str, Any]:
        obj: dict[str, Any] = {"key": o["key"], "sequencer": "0A1B2C3D4E5F678901"}
        if event_name.startswith("ObjectCreated"):
            obj.update(size=1024, eTag="0123456789abcdef0123456789abcdef")
        record = {
            "eventVersion": "2.1",
            "eventSource": "aws:s3",
            "awsRegion": o["region"],
            "eventTime": "2020-03-04T19:03:58.390Z",
            "eventName": event_name,
            "userIdentity": {"principalId": "EXAMPLE"},
            "requestParameters": {"sourceIPAddress": SAMPLE_IP},
            "responseElements": {
                "x-amz-request-id": "EXAMPLE123456789",
                "x-amz-id-2": "EXAMPLE123/5678abcdefghijklambdaisawesome/mnopqrstuvwxyzABCDEFGH",
            },
            "s3": {
                "s3SchemaVersion": "1.0",
                "configurationId": "testConfigRule",
                "bucket": {
                    "name": o["bucket"],
                    "ownerIdentity": {"principalId": "EXAMPLE"},
                    "arn": f"arn:{o['partition']}:s3:::{o['bucket']}",
                },
                "object": obj,
            },
        }
        return {"Records": [record]}

    return build


def _sqs(o: Mapping[str, str]) -> dict[str, Any]:
    record = {
        "messageId": "19dd0b57-b21e-4ac1-bd88-01bbb068cb78",
        "receiptHandle": "MessageReceiptHandle",
        "body": o["body"],
        "attributes": {
            "ApproximateReceiveCount": "1",
            "SentTimestamp": str(SAMPLE_EPOCH_MS),
            "SenderId": o["account-id"],
            "ApproximateFirstReceiveTimestamp": str(SAMPLE_EPOCH_MS + 1),
        },
        "messageAttributes": {},
        "md5OfBody": "7b270e59b47ff90a553787216d55d91d",
        "eventSource": "aws:sqs",
        "eventSourceARN": _arn(o, "sqs", o["queue-name"]),
        "awsRegion": o["region"],
    }
    return {"Records": [record]}


def _sns(o: Mapping[str, str]) -> dict[str, Any]:
    topic = _arn(o, "sns", o["topic"])
    record = {
        "EventVersion": "1.0",
        "EventSubscriptionArn": f"{topic}:2bcfbf39-05c3-41de-beaa-fcfcc21c8f55",
        "EventSource": "aws:sns",
        "Sns": {
            "SignatureVersion": "1",
            "Timestamp": "2020-03-04T19:03:58.390Z",
            "Signature": "EXAMPLE",
            "SigningCertUrl": "EXAMPLE",
            "MessageId": "95df01b4-ee98-5cb9-9903-4c221d41eb5e",
            "Message": o["message"],
            "MessageAttributes": {},
            "Type": "Notification",
            "UnsubscribeUrl": "EXAMPLE",
            "TopicArn": topic,
            "Subject": o["subject"],
        },
    }
    return {"Records": [record]}


def _dynamodb(o: Mapping[str, str]) -> dict[str, Any]:
    stream = _arn(o, "dynamodb", f"table/{o['table']}/stream/2020-03-04T19:03:58.390")

    def record(name: str, seq: str, image: dict[str, Any]) -> dict[str, Any]:
        return {
            "eventID": seq[-1],
            "eventName": name,
            "eventVersion": "1.1",
            "eventSource": "aws:dynamodb",
            "awsRegion": o["region"],
            "dynamodb": {
                "Keys": {"Id": {"N": "101"}},
                **image,
                "SequenceNumber": seq,
                "SizeBytes": 26,
                "StreamViewType": "NEW_AND_OLD_IMAGES",
            },
            "eventSourceARN": stream,
        }

    new = {"Message": {"S": "New item!"}, "Id": {"N": "101"}}
    changed = {"Message": {"S": "This item has changed"}, "Id": {"N": "101"}}
    return {
        "Records": [
            record("INSERT", "111", {"NewImage": new}),
            record("MODIFY", "222", {"NewImage": changed, "OldImage": new}),
            record("REMOVE", "333", {"OldImage": changed}),
        ]
    }


def _scheduled(o: Mapping[str, str]) -> dict[str, Any]:
    return {
        "version": "0",
        "id": "89d1a02d-5ec7-412e-82f5-13505f849b41",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": o["account-id"],
        "time": "2020-03-04T19:03:58Z",
        "region": o["region"],
        "resources": [_arn(o, "events", f"rule/{o['rule']}")],
        "detail": {},
    }


def _kinesis(o: Mapping[str, str]) -> dict[str, Any]:
    record = {
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": o["partition-key"],
            "sequenceNumber": o["sequence"],
            "data": base64.b64encode(o["data"].encode()).decode("ascii"),
            "approximateArrivalTimestamp": SAMPLE_EPOCH_MS / 1000,
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": f"shardId-000000000006:{o['sequence']}",
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": _arn(o, "iam", "role/lambda-role").replace(f":{o['region']}:", "::"),
        "awsRegion": o["region"],
        "eventSourceARN": _arn(o, "kinesis", f"stream/{o['stream']}"),
    }
    return {"Records": [record]}


_WHERE = {"account-id": ACCOUNT_ID, "region": REGION, "partition": "aws"}
_REST = {**_WHERE, "stage": "prod", "method": "POST", "resource": "/{proxy+}", "api-id": "1234567890"}
_PROXY = {k: v for k, v in _REST.items() if k != "partition"} | {
    "path": "path/to/resource",
    "body": '{"test":"body"}',
}
_BUCKET = {"region": REGION, "partition": "aws", "bucket": "example-bucket", "key": "test/key"}

SAMPLES: dict[str, dict[str, Sample]] = {
    "apigateway": {
        "aws-proxy": Sample("a REST API Lambda proxy event (payload format 1.0)", _PROXY, _aws_proxy),
        "authorizer": Sample(
            "a TOKEN authorizer event", {**_REST, "token": "incoming-client-token"}, _token_authorizer
        ),
        "request-authorizer": Sample(
            "a REQUEST authorizer event",
            {k: v for k, v in _PROXY.items() if k != "body"} | {"partition": "aws", "method": "GET"},
            _request_authorizer,
        ),
        "http-api-proxy": Sample(
            "an HTTP API Lambda proxy event (payload format 2.0)",
            {**_PROXY, "stage": "$default", "resource": "/{proxy+}"},
            _http_api_proxy,
        ),
    },
    "s3": {
        "put": Sample(
            "an S3 object created event",
            _BUCKET,
            _s3("ObjectCreated:Put"),
        ),
        "delete": Sample(
            "an S3 object removed event",
            _BUCKET,
            _s3("ObjectRemoved:Delete"),
        ),
    },
    "sqs": {
        "receive-message": Sample(
            "an SQS event with one message",
            {**_WHERE, "queue-name": "my-queue", "body": "Hello from SQS!"},
            _sqs,
        )
    },
    "sns": {
        "notification": Sample(
            "an SNS notification",
            {**_WHERE, "topic": "ExampleTopic", "message": "example message", "subject": "example subject"},
            _sns,
        )
    },
    "dynamodb": {
        "update": Sample("a DynamoDB stream event", {**_WHERE, "table": "ExampleTableWithStream"}, _dynamodb)
    },
    "cloudwatch": {
        "scheduled-event": Sample(
            "an EventBridge scheduled event", {**_WHERE, "rule": "ExampleRule"}, _scheduled
        )
    },
    "kinesis": {
        "get-records": Sample(
            "a Kinesis data stream event",
            {
                **_WHERE,
                "stream": "example-stream",
                "partition-key": "partitionKey-03",
                "sequence": "49545115243490985018280067714973144582180062593244200961",
                "data": "Hello, this is a test 123.",
            },
            _kinesis,
        )
    },
}
"""Service -> event name -> sample."""


def generate(service: str, event: str, options: Mapping[str, str]) -> str:
    """The sample as indented JSON; ``options`` override the sample's defaults."""
    sample = SAMPLES[service][event]
    values = {**sample.options, **{k: v for k, v in options.items() if k in sample.options}}
    return json.dumps(sample.build(values), indent=2)
