"""The one error tree of tollway.

``GatewayError`` subclasses are raised on the request path; each carries the HTTP status
and the gateway-response type that renders it (``on_error`` honours the API's configured
gateway responses). ``DefinitionError`` is raised by importers and the control plane for a
bad file: it names the file, the place in it, and the problem.
"""

from __future__ import annotations


class TollwayError(Exception):
    """Root of every error tollway raises on purpose."""


class GatewayError(TollwayError):
    """An error answered to the client as an API Gateway gateway response."""

    response_type: str = "DEFAULT_5XX"
    status_code: int = 500
    default_message: str = "Internal server error"

    def __init__(self, message: str | None = None, *, detail: str | None = None) -> None:
        self.message = message if message is not None else self.default_message
        self.detail = detail  # for logs only, never sent to clients
        super().__init__(self.message)


class MissingAuthenticationToken(GatewayError):
    response_type = "MISSING_AUTHENTICATION_TOKEN"
    status_code = 403
    default_message = "Missing Authentication Token"


class ResourceNotFound(GatewayError):
    response_type = "RESOURCE_NOT_FOUND"
    status_code = 404
    default_message = "Not Found"


class RequestTooLarge(GatewayError):
    response_type = "REQUEST_TOO_LARGE"
    status_code = 413
    default_message = "Request Too Long"


class UnsupportedMediaType(GatewayError):
    response_type = "UNSUPPORTED_MEDIA_TYPE"
    status_code = 415
    default_message = "Unsupported Media Type"


class BadRequestParameters(GatewayError):
    response_type = "BAD_REQUEST_PARAMETERS"
    status_code = 400
    default_message = "Missing required request parameters"


class BadRequestBody(GatewayError):
    response_type = "BAD_REQUEST_BODY"
    status_code = 400
    default_message = "Invalid request body"


class ApiConfigurationError(GatewayError):
    response_type = "API_CONFIGURATION_ERROR"
    status_code = 500
    default_message = "Internal server error"


class IntegrationFailure(GatewayError):
    response_type = "INTEGRATION_FAILURE"
    status_code = 502
    default_message = "Internal server error"


class IntegrationTimeout(GatewayError):
    response_type = "INTEGRATION_TIMEOUT"
    status_code = 504
    default_message = "Endpoint request timed out"


class DefinitionError(TollwayError):
    """A definition file (or a value in it) that tollway cannot accept.

    ``location`` is a JSON pointer (``/Resources/MyApi/Properties``) or ``line N``.
    """

    def __init__(self, source: str, location: str, problem: str) -> None:
        self.source = source
        self.location = location
        self.problem = problem
        where = f"{source}: {location}" if location else source
        super().__init__(f"{where}: {problem}")


class StoreError(TollwayError):
    """The store could not be opened or written."""
