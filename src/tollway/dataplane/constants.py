"""API Gateway's limits on a request that the server enforces."""

MAX_BODY_BYTES = 10 * 1024 * 1024
"""REST API payload limit (10 MB); larger requests get 413."""
MAX_HEADER_BYTES = 10 * 1024
"""Request line + headers limit (10,240 bytes); larger requests get 431."""
