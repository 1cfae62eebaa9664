"""What a mapping template or a parameter mapping can see of a request or a response.

The pipeline builds one ``TemplateInputs`` per template evaluation; templates themselves
are compiled once per deployment (see ``vtl.compile_template``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

ContextOf = Callable[[], dict[str, Any]]


class TemplateInputs:
    """Inputs of one template evaluation.

    ``body`` is the payload as text (request body for request templates, integration
    response body for response templates). ``path_params``, ``querystring`` and
    ``headers`` are the *method request's* parameters (first value of each; header names
    as the client sent them). ``multi_querystring`` / ``multi_headers`` keep all values.
    ``context`` is ``$context`` as a nested dict (``identity``, ``authorizer``, ``error``
    are dicts); given as ``context_of`` instead, it is built on first use only (most
    templates never read it). ``stage_variables`` is ``$stageVariables``.
    """

    __slots__ = (
        "_context",
        "_context_of",
        "body",
        "headers",
        "multi_headers",
        "multi_querystring",
        "path_params",
        "querystring",
        "stage_variables",
    )

    def __init__(
        self,
        body: str = "",
        path_params: dict[str, str] | None = None,
        querystring: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        multi_querystring: dict[str, list[str]] | None = None,
        multi_headers: dict[str, list[str]] | None = None,
        context: dict[str, Any] | None = None,
        stage_variables: dict[str, str] | None = None,
        *,
        context_of: ContextOf | None = None,
    ) -> None:
        self.body = body
        self.path_params = {} if path_params is None else path_params
        self.querystring = {} if querystring is None else querystring
        self.headers = {} if headers is None else headers
        self.multi_querystring = {} if multi_querystring is None else multi_querystring
        self.multi_headers = {} if multi_headers is None else multi_headers
        self.stage_variables = {} if stage_variables is None else stage_variables
        self._context = context
        self._context_of = context_of

    @property
    def context(self) -> dict[str, Any]:
        """``$context`` as a nested dict (built now if it was given as ``context_of``)."""
        if self._context is None:
            self._context = {} if self._context_of is None else self._context_of()
        return self._context

    def __repr__(self) -> str:
        return f"TemplateInputs(body={self.body[:40]!r}, path_params={self.path_params!r})"
