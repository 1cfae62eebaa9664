"""Pure authentication and authorization checks, as Amazon API Gateway applies them:
IAM-style policies (``policy``), SigV4 signatures (``sigv4``), JWTs (``jwt``) and the keys
that sign them (``jwks``). Nothing here knows a request, a stage or a gateway: the data plane
applies these checks to requests (``tollway.dataplane.authorizers``)."""
