"""The one error tree of tollway.

Every error tollway raises on purpose derives from ``TollwayError``. ``GatewayError``
subclasses are raised on the request path; each carries the HTTP status and the
gateway-response type that renders it (``on_error`` honours the API's configured gateway
responses). ``DefinitionError`` is raised by importers and the control plane for a bad
file: it names the file, the place in it, and the problem.

The tree (a class without a module is defined here; modules are relative to ``tollway``;
``[TYPE]`` groups the gateway errors by the gateway-response type that renders them)::

    TollwayError
      GatewayError                         [DEFAULT_5XX] 500 itself
        [DEFAULT_4XX]
          BadRequest                       400
          UnrecognizedClient               403 (errorType UnrecognizedClientException)
          LambdaPayloadRejected            400 (Lambda refused a non-JSON payload)
        [DEFAULT_5XX]
          LambdaResponseError              502
          FunctionThrottled                500
          FunctionsOverloaded              503 (this machine's function capacity, not AWS's)
          StateUnavailableError            503
        [MISSING_AUTHENTICATION_TOKEN]
          MissingAuthenticationToken       403
          IncompleteSignature              403 (errorType IncompleteSignatureException)
        [ACCESS_DENIED]                    AccessDenied 403
        [API_CONFIGURATION_ERROR]          ApiConfigurationError 500
        [BAD_REQUEST_BODY]                 BadRequestBody 400
        [BAD_REQUEST_PARAMETERS]           BadRequestParameters 400
        [EXPIRED_TOKEN]                    ExpiredToken 403
        [INTEGRATION_FAILURE]              IntegrationFailure 504
        [INTEGRATION_TIMEOUT]              IntegrationTimeout 504
        [INVALID_API_KEY]                  InvalidApiKey 403
        [INVALID_SIGNATURE]                InvalidSignature 403
        [QUOTA_EXCEEDED]                   QuotaExceeded 429
        [REQUEST_TOO_LARGE]                RequestTooLarge 413
        [RESOURCE_NOT_FOUND]               ResourceNotFound 404
        [THROTTLED]                        Throttled 429
        [UNAUTHORIZED]                     Unauthorized 401
        [UNSUPPORTED_MEDIA_TYPE]           UnsupportedMediaType 415
        [WAF_FILTERED]                     WafFiltered 403
        NullMessageError                   body ``"message": null`` when no message is given
          [AUTHORIZER_FAILURE]             AuthorizerFailure 500
          [AUTHORIZER_CONFIGURATION_ERROR] AuthorizerConfigurationError 500
      DefinitionError                      a definition file tollway cannot accept
      StoreError                           the store could not be opened or written
      StateError                           state.base: the state backend cannot be opened
        StateUnavailable                   state.base: unreachable, and no local fallback
      PolicyError                          auth.policy: a policy document that cannot be compiled
      TokenRejected                        auth.jwt: a JWT that is not acceptable
        TokenExpired                       auth.jwt: genuine, but past its exp
      JwksError                            auth.jwks: an issuer's keys
        JwksUnavailable                    auth.jwks: cannot be fetched, none cached
        UnknownKey                         auth.jwks: no usable key with that kid
      FetchFailed                          auth.jwks: one URL could not be fetched
      NotFound                             controlplane.errors: admin API 404
      BadRequest                           controlplane.errors: admin API 400 (not the one above)
      Conflict                             controlplane.errors: admin API 409
      KeyFileError                         controlplane.keyfile: a key file that cannot be imported
      _Bad                                 controlplane.plans_import: becomes a DefinitionError
      TemplateError                        dataplane.mapping.vtl: a mapping that cannot be compiled
      JsonPathError                        dataplane.mapping.jsonpath: a JSONPath that cannot be parsed
      OverrideTwice                        dataplane.mapping.overrides: answered as ApiConfigurationError
      MalformedResponse                    dataplane (Lambda proxy): a result that is no HTTP response
      FunctionNotFound                     functions.runtime.executor: Lambda's ResourceNotFoundException
      TooManyRequests                      functions.runtime.executor: Lambda's TooManyRequestsException
        Overloaded                         functions.runtime.executor: this machine's function capacity
      CodeError                            functions.runtime.code: a function's code or layer is unusable
      BuildError                           functions.packaging.build: pip could not install requirements

Outside the tree on purpose: ``Fault`` in ``functions/runtime/bootstrap.py``. That file is
the worker, run as ``python -I -S bootstrap.py FD`` with the standard library only (it must
not see the gateway's site-packages), so it cannot import this module; a Fault never leaves
the worker (it becomes the Lambda error document the worker sends back).
"""

from __future__ import annotations


class TollwayError(Exception):
    """Root of every error tollway raises on purpose."""


class GatewayError(TollwayError):
    """An error answered to the client as an API Gateway gateway response."""

    response_type: str = "DEFAULT_5XX"
    status_code: int = 500
    default_message: str = "Internal server error"

    def __init__(
        self, message: str | None = None, *, detail: str | None = None, validation_error: str = ""
    ) -> None:
        self.message = message if message is not None else self.default_message
        self.detail = detail  # for logs only, never sent to clients
        self.validation_error = validation_error
        """``$context.error.validationErrorString`` (request validation failures)."""
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
    status_code = 504
    default_message = "Internal server error"


class IntegrationTimeout(GatewayError):
    response_type = "INTEGRATION_TIMEOUT"
    status_code = 504
    default_message = "Endpoint request timed out"


class AccessDenied(GatewayError):
    """An authorizer (or resource policy) denied the caller: 403 AccessDeniedException.

    AWS says "... with an explicit deny" when a Deny statement matched; pass that message.
    """

    response_type = "ACCESS_DENIED"
    status_code = 403
    default_message = "User is not authorized to access this resource"


class Unauthorized(GatewayError):
    """The identity source is missing or the authorizer said "Unauthorized": 401."""

    response_type = "UNAUTHORIZED"
    status_code = 401
    default_message = "Unauthorized"


class InvalidApiKey(GatewayError):
    """A method requires an API key and none (or an unknown/disabled one) was sent: 403."""

    response_type = "INVALID_API_KEY"
    status_code = 403
    default_message = "Forbidden"


class Throttled(GatewayError):
    """A throttle bucket (account, stage, method or usage plan) is empty: 429."""

    response_type = "THROTTLED"
    status_code = 429
    default_message = "Too Many Requests"


class QuotaExceeded(GatewayError):
    """The usage plan's quota for this API key is used up: 429."""

    response_type = "QUOTA_EXCEEDED"
    status_code = 429
    default_message = "Limit Exceeded"


class Forbidden(AccessDenied):
    """403 ``{"message":"Forbidden"}``: what HTTP APIs answer when an authorizer refuses."""

    default_message = "Forbidden"


class ExpiredToken(GatewayError):
    """The SigV4 security token has expired: 403."""

    response_type = "EXPIRED_TOKEN"
    status_code = 403
    default_message = "The security token included in the request is expired"


class InvalidSignature(GatewayError):
    """The SigV4 signature does not match: 403."""

    response_type = "INVALID_SIGNATURE"
    status_code = 403
    default_message = (
        "The request signature we calculated does not match the signature you provided. "
        "Check your AWS Secret Access Key and signing method. "
        "Consult the service documentation for details."
    )


class UnrecognizedClient(GatewayError):
    """SigV4 with an access key (or session token) tollway does not know: 403."""

    response_type = "DEFAULT_4XX"
    status_code = 403
    default_message = "The security token included in the request is invalid."
    error_type = "UnrecognizedClientException"


class IncompleteSignature(GatewayError):
    """No route matched and ``Authorization`` is not SigV4: still MISSING_AUTHENTICATION_TOKEN.

    AWS then names the header problem in the message, e.g.
    ``"'abc' not a valid key=value pair (missing equal-sign) in Authorization header: 'Bearer abc'."``
    """

    response_type = "MISSING_AUTHENTICATION_TOKEN"
    status_code = 403
    default_message = "Missing Authentication Token"
    error_type = "IncompleteSignatureException"


class WafFiltered(GatewayError):
    """A web ACL blocked the request: 403."""

    response_type = "WAF_FILTERED"
    status_code = 403
    default_message = "Forbidden"


class NullMessageError(GatewayError):
    """An error whose default body carries ``"message": null`` (AWS does so for authorizer faults).

    ``message_is_null`` is true when no message was given; ``$context.error.message`` is then
    empty and ``$context.error.messageString`` is ``null``.
    """

    def __init__(self, message: str | None = None, *, detail: str | None = None) -> None:
        super().__init__(message if message is not None else "", detail=detail)
        self.message_is_null = message is None


class AuthorizerFailure(NullMessageError):
    """The Lambda/Cognito authorizer failed while authenticating the caller: 500."""

    response_type = "AUTHORIZER_FAILURE"
    status_code = 500
    default_message = ""


class AuthorizerConfigurationError(NullMessageError):
    """The authorizer could not be reached or returned something unusable: 500."""

    response_type = "AUTHORIZER_CONFIGURATION_ERROR"
    status_code = 500
    default_message = ""


class BadRequest(GatewayError):
    """A 4XX with no type of its own: rendered through DEFAULT_4XX."""

    response_type = "DEFAULT_4XX"
    status_code = 400
    default_message = "Bad Request"


class LambdaPayloadRejected(GatewayError):
    """Lambda's Invoke refused a payload that is not JSON (InvalidRequestContentException).

    Decided from what API Gateway users report seeing (AWS does not document it): status 400
    and Lambda's message, ``Could not parse request body into json: Could not parse payload
    into json: ...`` with Jackson's description of the first bad token."""

    response_type = "DEFAULT_4XX"
    status_code = 400
    default_message = "Could not parse request body into json"


class LambdaResponseError(GatewayError):
    """A Lambda proxy integration got a function error or a malformed response: AWS answers
    502 (execution log: "Malformed Lambda proxy response")."""

    response_type = "DEFAULT_5XX"
    status_code = 502
    default_message = "Internal server error"


class FunctionThrottled(GatewayError):
    """Lambda refused the invocation (concurrency exhausted, TooManyRequestsException):
    API Gateway answers 500 "Internal server error", not 429."""

    response_type = "DEFAULT_5XX"
    status_code = 500
    default_message = "Internal server error"


class FunctionsOverloaded(GatewayError):
    """Every function slot of this worker is busy and its queue is full (``Overloaded``):
    AWS would start another execution environment; tollway cannot, and answers at once
    what a gateway at capacity answers, rather than queueing until the client gives up."""

    response_type = "DEFAULT_5XX"
    status_code = 503
    default_message = "Service Unavailable"


class StateUnavailableError(GatewayError):
    """The shared state (Redis) is unreachable and the gateway is set to fail closed."""

    response_type = "DEFAULT_5XX"
    status_code = 503
    default_message = "Service Unavailable"


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
