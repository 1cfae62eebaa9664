"""Values API Gateway puts in every request that tollway has no real counterpart for."""

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
MAX_BODY_BYTES = 10 * 1024 * 1024
"""REST API payload limit (10 MB); larger requests get 413."""
MAX_HEADER_BYTES = 10 * 1024
"""Request line + headers limit (10,240 bytes); larger requests get 431."""
