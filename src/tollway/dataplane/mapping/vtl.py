"""Velocity (VTL) mapping templates, evaluated as Amazon API Gateway REST APIs do.

``compile_template`` parses a template once per deployment (airspeed builds the syntax
tree; ``vtl_nodes.javaify`` gives it Java-Velocity semantics) and compiles that tree to a
Python function (``vtl_compile``). ``CompiledTemplate.render`` evaluates it against one
request's ``TemplateInputs`` with the AWS variables: ``$input`` (see ``input_var``),
``$util`` (see ``util_var``), ``$context`` (a copy of ``inputs.context`` plus the request's
``requestOverride``/``responseOverride`` maps, see ``overrides``) and ``$stageVariables``.

A template using a construct the compiler does not cover (``#macro``, ``#define``,
``#evaluate``...) is interpreted by airspeed over the same tree, with the same results;
each such fallback is logged (logger ``tollway.mapping``) and counted (``fallback_counts``).
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any, Final

import airspeed

from tollway.dataplane.mapping.input_var import InputVar
from tollway.dataplane.mapping.inputs import TemplateInputs
from tollway.dataplane.mapping.overrides import Overrides, OverrideTwice
from tollway.dataplane.mapping.util_var import UTIL
from tollway.dataplane.mapping.values import JavaMap
from tollway.dataplane.mapping.vtl_compile import CompiledCode, NotCompiled, compile_tree
from tollway.dataplane.mapping.vtl_nodes import FOREACH_LIMIT, javaify
from tollway.dataplane.mapping.vtl_runtime import context_of
from tollway.errors import ApiConfigurationError, TollwayError

__all__ = [
    "FOREACH_LIMIT",
    "MAX_TEMPLATE_BYTES",
    "CompiledTemplate",
    "Overrides",
    "RenderResult",
    "TemplateError",
    "compile_template",
    "fallback_counts",
]

log = logging.getLogger("tollway.mapping")

MAX_TEMPLATE_BYTES: Final = 300 * 1024  # AWS quota: mapping template size

# ``${AWS::Region}`` left in a template (AWS::Include does not substitute it) is not a
# Velocity reference; Velocity prints such text as it is, airspeed refuses to parse it.
_NOT_A_REFERENCE = re.compile(r"\$(\{[^}]*::[^}]*\})")
_DOLLAR = "tollwayLiteralDollar"

_FALLBACKS: Counter[str] = Counter()


def fallback_counts() -> dict[str, int]:
    """How many templates compiled since the process started were left to the interpreter,
    by the construct that made them so (``{"#macro": 2}``)."""
    return dict(_FALLBACKS)


class TemplateError(TollwayError):
    """A mapping template or parameter mapping that cannot be compiled."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class RenderResult:
    """A rendered body plus what the template set in ``$context.*Override``.

    ``request_override`` has ``header``, ``path`` and ``querystring`` maps;
    ``response_override`` has a ``header`` map and ``status`` (None unless set).
    """

    body: str
    request_override: dict[str, Any]
    response_override: dict[str, Any]


class CompiledTemplate:
    """A parsed mapping template. Immutable after compilation; safe to share.

    ``compiled`` is the Python code of the template, or None when it is interpreted (a
    construct the compiler does not cover, or ``compile_template(..., interpret=True)``).
    ``uses_context`` is False when the template cannot read nor set ``$context`` (then
    ``render`` needs no ``Overrides``)."""

    __slots__ = ("_template", "compiled", "constant", "source", "uses_context")

    def __init__(self, source: str, template: airspeed.Template, compiled: CompiledCode | None) -> None:
        self.source = source
        self._template = template
        self.compiled = compiled
        self.constant: str | None = None if _is_dynamic(source) else source
        """The output when the template has no references or directives (common for
        MOCK templates): callers can skip building inputs altogether."""
        self.uses_context = self.constant is None and (compiled is None or compiled.uses_context)

    def render(self, inputs: TemplateInputs, overrides: Overrides | None = None) -> str:
        """Evaluate against ``inputs``; raise ``ApiConfigurationError`` (500) on failure.

        ``overrides`` are the request's ``$context.requestOverride``/``responseOverride``
        maps: the template reads what earlier templates set and may set more (each key at
        most once per template). Without them the template gets empty maps of its own."""
        if self.constant is not None:
            return self.constant
        if overrides is not None:
            overrides.begin()
        elif self.uses_context:
            overrides = Overrides()
        return self._run(inputs, overrides)

    def render_full(self, inputs: TemplateInputs) -> RenderResult:
        """Like ``render``, also returning the ``$context`` request/response overrides."""
        overrides = Overrides()
        body = self._run(inputs, overrides)
        return RenderResult(body, overrides.request, overrides.response)

    def _run(self, inputs: TemplateInputs, overrides: Overrides | None) -> str:
        if self.compiled is None:
            return self._interpret(_namespace(inputs, overrides or Overrides()))
        try:
            return self.compiled.render(inputs, overrides)  # type: ignore[arg-type]
        except OverrideTwice as exc:
            raise ApiConfigurationError(detail=f"mapping template failed: {exc}") from exc
        except Exception as exc:  # a template must never crash the request path
            detail = f"mapping template failed: {type(exc).__name__}: {exc}"
            raise ApiConfigurationError(detail=detail) from exc

    def _interpret(self, namespace: dict[str, Any]) -> str:
        try:
            return str(self._template.merge(namespace))
        except airspeed.TemplateExecutionError as exc:
            cause = exc.__cause__ if isinstance(exc.__cause__, OverrideTwice) else exc
            raise ApiConfigurationError(detail=f"mapping template failed: {cause}") from exc
        except Exception as exc:  # a template must never crash the request path
            detail = f"mapping template failed: {type(exc).__name__}: {exc}"
            raise ApiConfigurationError(detail=detail) from exc

    def __repr__(self) -> str:
        engine = "constant" if self.constant is not None else "compiled" if self.compiled else "interpreted"
        return f"CompiledTemplate({len(self.source)} chars, {engine})"


def _namespace(inputs: TemplateInputs, overrides: Overrides) -> dict[str, Any]:
    return {
        "input": InputVar(inputs),
        "util": UTIL,
        "context": context_of(inputs.context, overrides),
        "stageVariables": JavaMap(inputs.stage_variables),
        _DOLLAR: "$",
    }


def compile_template(source: str, *, interpret: bool = False) -> CompiledTemplate:
    """Parse and compile ``source`` once; raise ``TemplateError`` if it is not a valid
    template. ``interpret`` keeps airspeed's interpreter (what the differential tests
    compare the compiled code with)."""
    if len(source) * 4 > MAX_TEMPLATE_BYTES and len(source.encode()) > MAX_TEMPLATE_BYTES:
        raise TemplateError(f"mapping template is larger than {MAX_TEMPLATE_BYTES} bytes")
    text = _NOT_A_REFERENCE.sub(lambda m: "${" + _DOLLAR + "}" + m.group(1), source)
    template = airspeed.Template(text, filename="<mapping template>")
    try:
        template.ensure_compiled()
    except airspeed.TemplateSyntaxError as exc:
        raise TemplateError(f"invalid mapping template: {exc}") from None
    except Exception as exc:  # airspeed can fail with internal errors on odd input
        raise TemplateError(f"invalid mapping template: {type(exc).__name__}: {exc}") from None
    javaify(template.root_element)
    compiled = None if interpret or not _is_dynamic(source) else _compiled(template)
    return CompiledTemplate(source, template, compiled)


def _is_dynamic(source: str) -> bool:
    """False for a template of plain text (no reference, no directive): its output is itself."""
    return "$" in source or "#" in source


def _compiled(template: airspeed.Template) -> CompiledCode | None:
    try:
        return compile_tree(template.root_element)
    except NotCompiled as exc:
        _FALLBACKS[exc.construct] += 1
        log.info("mapping template uses %s: interpreted, not compiled", exc.construct)
        return None
