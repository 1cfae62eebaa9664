"""What a mapping template or a parameter mapping can see of a request or a response.

The pipeline builds one ``TemplateInputs`` per template evaluation; templates themselves
are compiled once per deployment (see ``vtl.compile_template``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
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
    templates never read it). The headers may likewise be given as the request's
    ``header_pairs``, made into the two maps on first use. ``stage_variables`` is
    ``$stageVariables``.
    """

    __slots__ = (
        "_context",
        "_context_of",
        "_header_pairs",
        "_headers",
        "_multi_headers",
        "body",
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
        header_pairs: Sequence[tuple[str, str]] | None = None,
    ) -> None:
        self.body = body
        self.path_params = {} if path_params is None else path_params
        self.querystring = {} if querystring is None else querystring
        self.multi_querystring = {} if multi_querystring is None else multi_querystring
        self._headers = headers
        self._multi_headers = multi_headers
        self._header_pairs = header_pairs
        self.stage_variables = {} if stage_variables is None else stage_variables
        self._context = context
        self._context_of = context_of

    @property
    def context(self) -> dict[str, Any]:
        """``$context`` as a nested dict (built now if it was given as ``context_of``)."""
        if self._context is None:
            self._context = {} if self._context_of is None else self._context_of()
        return self._context

    @property
    def headers(self) -> dict[str, str]:
        """The method request's headers, the last value of each name."""
        if self._headers is None:
            self._split_headers()
            assert self._headers is not None
        return self._headers

    @property
    def multi_headers(self) -> dict[str, list[str]]:
        """The method request's headers, every value of each name."""
        if self._multi_headers is None:
            self._split_headers()
            assert self._multi_headers is not None
        return self._multi_headers

    def _split_headers(self) -> None:
        headers: dict[str, str] = {}
        multi_headers: dict[str, list[str]] = {}
        for name, value in self._header_pairs or ():
            headers[name] = value
            multi_headers.setdefault(name, []).append(value)
        if self._headers is None:
            self._headers = headers
        if self._multi_headers is None:
            self._multi_headers = multi_headers

    def __repr__(self) -> str:
        return f"TemplateInputs(body={self.body[:40]!r}, path_params={self.path_params!r})"
