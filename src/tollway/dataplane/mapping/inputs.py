"""What a mapping template or a parameter mapping can see of a request or a response.

The pipeline builds one ``TemplateInputs`` per template evaluation; templates themselves
are compiled once per deployment (see ``vtl.compile_template``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class TemplateInputs:
    """Inputs of one template evaluation.

    ``body`` is the payload as text (request body for request templates, integration
    response body for response templates). ``path_params``, ``querystring`` and
    ``headers`` are the *method request's* parameters (first value of each; header names
    as the client sent them). ``multi_querystring`` / ``multi_headers`` keep all values.
    ``context`` is ``$context`` as a nested dict (``identity``, ``authorizer``, ``error``
    are dicts). ``stage_variables`` is ``$stageVariables``.
    """

    body: str = ""
    path_params: dict[str, str] = field(default_factory=dict)
    querystring: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    multi_querystring: dict[str, list[str]] = field(default_factory=dict)
    multi_headers: dict[str, list[str]] = field(default_factory=dict)
    context: dict[str, Any] = field(default_factory=dict)
    stage_variables: dict[str, str] = field(default_factory=dict)
