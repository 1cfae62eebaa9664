"""AWS's API key file format (``ImportApiKeys``, format ``csv``).

Columns ``Key`` and ``Name`` are required, ``Description``, ``Enabled`` and ``UsagePlanIds``
optional; header names are case-insensitive, in any order; unknown columns are ignored.
``Enabled`` defaults to true. ``UsagePlanIds`` lists plan ids separated by commas, enclosed
in double or single quotes. Every problem names the file and line and never quotes a value.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from tollway.controlplane import plans as management
from tollway.controlplane.plans import name_problem, value_problem
from tollway.errors import TollwayError
from tollway.model.plans import ApiKey
from tollway.stores.base import StoreWriter

REQUIRED = ("key", "name")
_TRUE, _FALSE = ("true", "yes", "1"), ("false", "no", "0")


class KeyFileError(TollwayError):
    """A key file that cannot be imported: ``FILE: line N: problem``."""


@dataclass(frozen=True, slots=True)
class KeyRow:
    """One key of the file, at ``line``."""

    line: int
    value: str
    name: str
    description: str | None = None
    enabled: bool = True
    plan_ids: tuple[str, ...] = ()


def parse_key_file(path: str, text: str) -> list[KeyRow]:
    """Every row of the file, checked; KeyFileError on the first bad one."""
    lines = [(n, line) for n, line in enumerate(text.lstrip("\ufeff").splitlines(), 1) if line.strip()]
    if not lines:
        raise KeyFileError(f"{path}: the file is empty (expected a header with the Key and Name columns)")
    header_line, header = lines[0]
    columns = [c.strip().lower() for c in split_fields(header)]
    missing = [c.title() for c in REQUIRED if c not in columns]
    if missing:
        raise KeyFileError(f"{path}: line {header_line}: the header has no {' and no '.join(missing)} column")
    rows = [_row(path, number, columns, split_fields(line)) for number, line in lines[1:]]
    seen: dict[str, int] = {}
    for row in rows:
        if row.value in seen:
            raise KeyFileError(f"{path}: line {row.line}: the same key value as line {seen[row.value]}")
        seen[row.value] = row.line
    return rows


def apply_key_rows(
    tx: StoreWriter, path: str, rows: list[KeyRow], now: float, new_id: management.NewId
) -> list[ApiKey]:
    """Store the rows: a row whose value a stored key has updates that key (AWS: keys are
    the same when their values are), any other row makes a new key; then subscribe each
    key to its plans. Errors name the line; the caller's transaction then applies nothing."""
    stored = []
    for row in rows:
        try:
            stored.append(_apply_row(tx, row, now, new_id))
        except TollwayError as exc:
            raise KeyFileError(f"{path}: line {row.line}: {exc}") from None
    return stored


def _apply_row(tx: StoreWriter, row: KeyRow, now: float, new_id: management.NewId) -> ApiKey:
    key = tx.find_api_key(row.value)
    if key is None:
        key = ApiKey(management.new_key_id(tx, new_id), row.name, row.value, created_epoch=now)
    key = management.put_key(
        tx, replace(key, name=row.name, description=row.description, enabled=row.enabled)
    )
    for plan_id in row.plan_ids:
        if key.id not in management.plan_or_raise(tx, plan_id).key_ids:
            management.add_key(tx, plan_id, key.id)
    return key


def split_fields(line: str) -> list[str]:
    """Split one CSV line, honouring fields quoted with ``"`` or ``'`` (doubled to escape)."""
    fields: list[str] = []
    current: list[str] = []
    quote: str | None = None
    i = 0
    while i < len(line):
        char = line[i]
        if quote is not None:
            if char == quote and line[i + 1 : i + 2] == quote:
                current.append(char)
                i += 1
            elif char == quote:
                quote = None
            else:
                current.append(char)
        elif char in "\"'" and not "".join(current).strip():
            quote, current = char, []
        elif char == ",":
            fields.append("".join(current))
            current = []
        else:
            current.append(char)
        i += 1
    fields.append("".join(current))
    return fields


def _row(path: str, number: int, columns: list[str], values: list[str]) -> KeyRow:
    if len(values) > len(columns):
        raise KeyFileError(f"{path}: line {number}: {len(values)} fields but the header has {len(columns)}")
    cells = dict(zip(columns, (v.strip() for v in values), strict=False))
    value, name = cells.get("key", ""), cells.get("name", "")
    problem = value_problem(value) if value else "the Key is empty"
    problem = problem or name_problem(name)
    if problem is not None:
        raise KeyFileError(f"{path}: line {number}: {problem}")
    flag = cells.get("enabled", "").lower()
    if flag and flag not in _TRUE + _FALSE:
        raise KeyFileError(f"{path}: line {number}: Enabled must be true or false, not {flag!r}")
    plans = tuple(p.strip() for p in cells.get("usageplanids", "").split(",") if p.strip())
    return KeyRow(number, value, name, cells.get("description") or None, flag not in _FALSE, plans)
