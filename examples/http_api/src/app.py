"""An HTTP API handler: payload 2.0 in, and a plain dict out (API Gateway makes it a 200 JSON answer)."""


def handler(event, context):
    name = event["pathParameters"]["name"]
    return {"greeting": f"hello {name}", "route": event["routeKey"], "stage": event["requestContext"]["stage"]}
