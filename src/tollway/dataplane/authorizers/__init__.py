"""Authorization of REST API methods: authorizers compiled at deployment time, checked per request.

``compile`` turns an API's authorizers and each method's ``authorizationType`` into a
``MethodAuth``; the ``authorize`` step (``tollway.dataplane.steps.authorize``) checks it: Lambda
authorizers (``lambda_``), Cognito user pools (``cognito``), IAM / SigV4 (``iam``), with the
resource policy's verdict (``request`` builds the ARN and condition context both use).
The pure checks (policies, SigV4, JWT) live in ``tollway.auth``."""
