"""A Lambda proxy handler: GET /hello and GET /hello/{name} (no third-party packages)."""

import json
import os


def lambda_handler(event, context):
    """Greet the {name} path parameter (or "world"), in the format API Gateway's proxy integration reads."""
    name = (event.get("pathParameters") or {}).get("name") or "world"
    greeting = os.environ.get("GREETING", "hello")
    body = {
        "message": f"{greeting} {name}",
        "path": event["path"],
        "function": context.function_name,
    }
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(body),
    }
