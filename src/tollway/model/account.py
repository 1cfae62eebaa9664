"""The one AWS account and region tollway answers as.

Every ARN tollway makes (functions, execute-api, user pools), every ``$context.accountId`` and
every ``AWS::AccountId`` / ``AWS::Region`` of a template uses these values."""

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
