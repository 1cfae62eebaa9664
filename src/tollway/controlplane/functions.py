"""Lambda functions in the store: applying imported ones, publishing versions, aliases.

A file owns the functions it imports (``FunctionRecord.source`` is its absolute path):
importing it again replaces their ``$LATEST`` config, template versions and aliases,
keeps versions and aliases made since with ``publish_version`` / ``put_alias`` that the
file does not redefine, and deletes the functions the file no longer declares.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import replace

from tollway.controlplane.errors import BadRequest, NotFound
from tollway.functions.packaging.snapshots import snapshot_code
from tollway.model.account import ACCOUNT_ID, REGION
from tollway.model.functions import LATEST, FunctionAlias, FunctionConfig, FunctionDef
from tollway.stores.base import FunctionRecord, StoreReader, StoreWriter

# Lambda: an alias name is 1-128 of [a-zA-Z0-9-_] and not only digits (those are versions).
_ALIAS_NAME = re.compile(r"(?!\d+$)[A-Za-z0-9_-]{1,128}")


def function_arn(name: str, qualifier: str | None = None) -> str:
    """``arn:aws:lambda:us-east-1:123456789012:function:NAME[:QUALIFIER]``."""
    arn = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{name}"
    return f"{arn}:{qualifier}" if qualifier else arn


def function_or_raise(reader: StoreReader, name: str) -> FunctionRecord:
    """The stored function, or NotFound with Lambda's ResourceNotFoundException message."""
    record = reader.get_function(name)
    if record is None:
        raise NotFound(f"Function not found: {function_arn(name)}")
    return record


def store_imported(tx: StoreWriter, source: str, functions: tuple[FunctionDef, ...]) -> list[str]:
    """Apply one file's functions (see the module docstring); returns warnings."""
    owner = os.path.abspath(source)
    names = {fn.name for fn in functions}
    for record in tx.list_functions():
        if record.source == owner and record.name not in names:
            tx.delete_function(record.name)
    warnings = []
    for fn in functions:
        stored = tx.get_function(fn.name)
        if stored is not None and stored.source == owner:
            fn = replace(
                fn,
                versions={**stored.function.versions, **fn.versions},
                aliases={**stored.function.aliases, **fn.aliases},
            )
        elif stored is not None:
            warnings.append(
                f"{source}: function {fn.name} was imported from {stored.source or 'elsewhere'}; "
                "this file now defines it"
            )
        tx.put_function(FunctionRecord(fn.name, fn, owner))
    return warnings


def publish_version(tx: StoreWriter, name: str, description: str | None) -> str:
    """Snapshot ``$LATEST`` (config and a frozen copy of its code) as the next version
    number; as Lambda, publish nothing and answer the last version when neither changed."""
    record = function_or_raise(tx, name)
    fn = record.function
    frozen = replace(fn.config, code_path=snapshot_code(fn.config.code_path))
    latest = max(fn.versions, key=int) if fn.versions else None
    if latest is not None and _unchanged(fn.versions[latest], frozen):
        return latest
    number = str(int(latest or 0) + 1)
    config = replace(frozen, description=description or fn.config.description)
    tx.put_function(replace(record, function=replace(fn, versions={**fn.versions, number: config})))
    return number


def put_alias(
    tx: StoreWriter, name: str, alias: str, version: str, weights: Mapping[str, float] | None
) -> FunctionAlias:
    """Create or update ``alias`` to point at ``version``, sending ``weights[v]`` of the
    invocations to version ``v`` instead (Lambda's AdditionalVersionWeights)."""
    if not _ALIAS_NAME.fullmatch(alias):
        raise BadRequest(
            f"alias name {alias!r} is invalid: use 1 to 128 characters from a-zA-Z0-9-_, not only digits"
        )
    record = function_or_raise(tx, name)
    fn = record.function
    extra = dict(weights or {})
    for qualifier in (version, *extra):
        if qualifier != LATEST and qualifier not in fn.versions:
            raise NotFound(f"Function not found: {function_arn(name, qualifier)}")
    _check_weights(version, extra)
    made = FunctionAlias(name=alias, version=version, additional_weights=extra)
    tx.put_function(replace(record, function=replace(fn, aliases={**fn.aliases, alias: made})))
    return made


def _check_weights(version: str, weights: dict[str, float]) -> None:
    if not weights:
        return
    if len(weights) > 1:
        raise BadRequest("an alias routes to at most one additional version")
    ((other, weight),) = weights.items()
    if version == LATEST or not other.isdigit():
        raise BadRequest("weighted routing needs published versions, not $LATEST")
    if other == version:
        raise BadRequest(f"the additional version {other} is the alias's own version")
    if not 0.0 <= weight <= 1.0:
        raise BadRequest(f"weight {weight} of version {other} is not between 0.0 and 1.0")


def _unchanged(published: FunctionConfig, current: FunctionConfig) -> bool:
    # A version's description is its own; it is not a change of the function.
    return replace(published, description=None) == replace(current, description=None)
