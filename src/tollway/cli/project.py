"""The SAM CLI habits a project folder brings: ``template.yaml`` found by itself, the
parameter overrides of ``samconfig.toml`` / ``samconfig.yaml``, ``--env-vars FILE``.

With no FILE (and no ``--template``), ``serve``, ``invoke`` and ``build`` read
``template.yaml`` or ``template.yml`` in the current folder, as SAM CLI does, and say so.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from tollway.formats.env_vars import EnvOverrides, load_env_vars
from tollway.formats.samconfig import find_config, parameter_overrides, parse_overrides

TEMPLATE_NAMES = ("template.yaml", "template.yml")


def project_template(folder: Path) -> Path | None:
    """``template.yaml`` (or ``.yml``) in ``folder``, as SAM CLI looks for it."""
    return next((folder / n for n in TEMPLATE_NAMES if (folder / n).is_file()), None)


def files_or_template(files: Sequence[str], command: str) -> list[str]:
    """``files``, or the current folder's template when none are given (said on stderr)."""
    if files:
        return list(files)
    found = project_template(Path.cwd())
    if found is None:
        return []
    print(f"tollway: {command}: reading {found.name} (no FILE given)", file=sys.stderr)
    return [found.name]


def overrides(args: argparse.Namespace, command: str, files: Sequence[str]) -> dict[str, str]:
    """Template parameter values: samconfig's for ``command``, then ``--parameter-overrides``."""
    values: dict[str, str] = {}
    config = _config_file(args, files)
    if config is not None:
        values.update(parameter_overrides(config, command, getattr(args, "config_env", None) or "default"))
        if values:
            print(f"tollway: {command}: parameter overrides from {config}", file=sys.stderr)
    given = getattr(args, "parameter_overrides", None)
    if given:
        values.update(parse_overrides(given, "--parameter-overrides"))
    return values


def env_overrides(args: argparse.Namespace) -> EnvOverrides | None:
    """``--env-vars FILE`` read and checked (a bad file stops the command, naming the place)."""
    path = getattr(args, "env_vars", None)
    return load_env_vars(path) if path else None


def _config_file(args: argparse.Namespace, files: Sequence[str]) -> Path | None:
    explicit = getattr(args, "config_file", None)
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise SystemExit(f"tollway: --config-file {explicit}: no such file")
        return path
    folders = [Path(f).resolve().parent for f in files[:1]]
    return find_config([*folders, Path.cwd()])
