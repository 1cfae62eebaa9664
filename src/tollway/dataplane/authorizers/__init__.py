"""Authorization of REST API methods: compiled at deployment time, checked per request.

``compile`` turns an API's authorizers into ``CompiledAuthorizer``s; ``methods`` gives each
method one ``MethodAuth`` for its ``authorizationType`` (``NoAuth``, ``IamAuth``,
``LambdaAuth``, ``UserPoolAuth``), whose ``check`` is the only door the ``authorize`` step
uses. ``resource_policy`` applies the API's resource policy before it. The pieces they use:
Lambda authorizers' events, answers and cache (``lambda_``), user pool tokens (``cognito``),
IAM identities (``iam``), the request's methodArn and condition keys (``request``), and the
worker's caches and executor (``services``). The pure checks (policies, SigV4, JWT) live in
``tollway.auth``, which knows nothing of requests."""
