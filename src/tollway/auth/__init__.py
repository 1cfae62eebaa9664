"""Authentication and authorization: IAM-style policies, SigV4, JWT / Cognito tokens and
Lambda authorizers, as Amazon API Gateway applies them."""
