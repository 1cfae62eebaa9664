"""Conformance: each case encodes one behaviour that real AWS was recorded or documented doing.

Every test here carries ``@pytest.mark.aws("SOURCE")`` naming where the behaviour comes from:
a LocalStack parity snapshot recorded against AWS (``localstack:tests/aws/services/apigateway/
test_apigateway_lambda.snapshot.json::<snapshot key>``), or an AWS guide page
(``https://docs.aws.amazon.com/apigateway/latest/developerguide/...``). A case without a
source is refused at collection: the suite is only worth what its citations are.
"""

from __future__ import annotations

import pytest

SOURCE_PREFIXES = ("localstack:", "https://docs.aws.amazon.com/", "botocore:")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "/conformance/" not in str(item.path).replace("\\", "/"):
            continue
        marker = item.get_closest_marker("aws")
        if marker is None or not marker.args or not str(marker.args[0]).startswith(SOURCE_PREFIXES):
            raise pytest.UsageError(
                f"{item.nodeid}: a conformance case needs @pytest.mark.aws(SOURCE) with SOURCE "
                f"starting with one of {SOURCE_PREFIXES}"
            )
