"""One entry point for every definition file: decide what it is and import it.

- a CloudFormation/SAM template (``Resources``, ``AWSTemplateFormatVersion``,
  ``Transform``) -> :mod:`tollway.formats.cloudformation`;
- an OpenAPI 3 / Swagger 2 document -> :mod:`tollway.formats.openapi`;
- anything else (a Lambda test event, an empty file, an unrendered ``sam init``
  cookiecutter template, a Terraform templatefile) -> a DefinitionError saying what the
  file looks like.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tollway.errors import DefinitionError
from tollway.formats import unsupported, yamlio
from tollway.formats.cloudformation import standalone
from tollway.formats.cloudformation.template import import_template
from tollway.formats.openapi import import_openapi_file
from tollway.model.imported import ImportResult

_JINJA = re.compile(r"\{%-?|\{\{-?\s*cookiecutter")
# ``${name}`` with a bare name is a Terraform templatefile variable; API Gateway's own
# ``${stageVariables.x}`` / ``${context.x}`` / ``${request.x}`` always have a dot.
_TERRAFORM_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_NOT_TERRAFORM = {"Fn::Sub", "requestTemplates", "responseTemplates"}
_TEMPLATE_KEYS = ("Resources", "AWSTemplateFormatVersion", "Transform")


def import_file(
    path: str,
    *,
    stage_name: str | None = None,
    parameter_overrides: Mapping[str, str] | None = None,
) -> ImportResult:
    """Import the APIs one file defines.

    ``stage_name`` names the stage of APIs that declare none (for an OpenAPI document,
    default ``prod``, ``$default`` for an HTTP API document; for a template, APIs without a
    declared stage get none when it is not given). ``parameter_overrides`` set template
    parameters (an unknown name is an error). Raises DefinitionError for anything tollway
    cannot import.
    """
    _refuse_unrendered(path)
    doc = yamlio.load_file(path)
    if is_template(doc):
        return import_template(
            doc, path, stage_name=stage_name, parameter_overrides=parameter_overrides, import_file=import_file
        )
    if isinstance(doc, dict) and ("openapi" in doc or "swagger" in doc):
        _refuse_terraform(doc, path)
        if standalone.has_intrinsics(doc):
            result = standalone.import_openapi_with_intrinsics(doc, path, stage_name=stage_name)
        else:
            result = import_openapi_file(path, stage_name=stage_name)
        return _with_unsupported_warning(result)
    raise DefinitionError(path, "", f"not an API definition: {describe(doc)}")


def _with_unsupported_warning(result: ImportResult) -> ImportResult:
    ignored = unsupported.warning(result.source, unsupported.api_items(result.apis))
    return result if ignored is None else dataclasses.replace(result, warnings=(*result.warnings, ignored))


def is_template(doc: Any) -> bool:
    if not isinstance(doc, dict):
        return False
    return any(key in doc for key in _TEMPLATE_KEYS)


def escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def describe(doc: Any) -> str:
    """What a file that is not an API definition looks like, for the error message."""
    if doc is None:
        return "the file is empty"
    if not isinstance(doc, dict):
        return f"the file holds a {type(doc).__name__}, not a mapping"
    if "httpMethod" in doc and "requestContext" in doc:
        return (
            "it looks like an API Gateway Lambda proxy test event (payload format 1.0); "
            "import the template that defines the API instead"
        )
    if "routeKey" in doc and "requestContext" in doc:
        return (
            "it looks like an HTTP API Lambda test event (payload format 2.0); "
            "import the template that defines the API instead"
        )
    if "body" in doc or "headers" in doc:
        return "it looks like a Lambda test event; import the template that defines the API instead"
    keys = ", ".join(list(map(str, doc))[:5])
    return (
        "expected a CloudFormation/SAM template (Resources) or an OpenAPI document "
        f"(openapi/swagger); top-level keys are: {keys or 'none'}"
    )


def _refuse_unrendered(path: str) -> None:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return  # load_file reports these with the right message
    match = _JINJA.search(text)
    if match is not None:
        line = text.count("\n", 0, match.start()) + 1
        raise DefinitionError(
            path,
            f"line {line}",
            "unrendered cookiecutter template (Jinja markup); run `sam init` or "
            "cookiecutter to render it first",
        )


def _refuse_terraform(doc: Any, path: str, pointer: str = "") -> None:
    """Refuse a Terraform ``templatefile`` whose ``${var}`` placeholders are not filled in."""
    if isinstance(doc, dict):
        for key, value in doc.items():
            # CloudFormation substitutions and VTL templates (``${x}`` is VTL too) are fine.
            if key not in _NOT_TERRAFORM:
                _refuse_terraform(value, path, f"{pointer}/{escape(str(key))}")
    elif isinstance(doc, list):
        for index, value in enumerate(doc):
            _refuse_terraform(value, path, f"{pointer}/{index}")
    elif isinstance(doc, str):
        match = _TERRAFORM_VAR.search(doc)
        if match is not None:
            raise DefinitionError(
                path,
                pointer,
                f"unfilled template placeholder ${{{match.group(1)}}} (a Terraform "
                "templatefile?); render it first",
            )
