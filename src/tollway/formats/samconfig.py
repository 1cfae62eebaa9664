"""SAM CLI's project configuration (``samconfig.toml`` / ``samconfig.yaml``): parameter overrides.

A SAM project keeps ``parameter_overrides`` under ``[ENV.COMMAND.parameters]``, where ENV is
``default`` unless ``--config-env`` names another. tollway reads, lowest precedence first,
``global``, ``deploy`` (where ``sam deploy --guided`` writes them, so the local gateway
serves the values the stack was deployed with), then the section of the SAM command a
tollway command stands for (``serve``: ``local_start_api``; ``invoke``: ``local_invoke``;
``build``: ``build``). ``--parameter-overrides`` on the command line wins over all of them.

Values are written as SAM accepts them: one string ``"A=1 B='two words'"``, a list of
``Name=Value`` strings, or CloudFormation's ``ParameterKey=A,ParameterValue=1``.
"""

from __future__ import annotations

import shlex
import tomllib
from collections.abc import Iterable, Sequence
from pathlib import Path

import yaml

from tollway.errors import DefinitionError

CONFIG_NAMES = ("samconfig.toml", "samconfig.yaml", "samconfig.yml")
SECTION_OF_COMMAND = {
    "serve": "local_start_api",
    "invoke": "local_invoke",
    "build": "build",
    "import": "deploy",
}


def find_config(folders: Iterable[Path]) -> Path | None:
    """The first samconfig file in ``folders`` (the template's folder, then the current one)."""
    for folder in folders:
        for name in CONFIG_NAMES:
            if (folder / name).is_file():
                return folder / name
    return None


def parameter_overrides(path: Path, command: str, env: str = "default") -> dict[str, str]:
    """The parameter overrides ``path`` gives the tollway ``command`` in config environment ``env``."""
    doc = _read(path)
    environment = doc.get(env, {})
    if not isinstance(environment, dict):
        raise DefinitionError(str(path), env, "expected a table of commands")
    found: dict[str, str] = {}
    for section in ("global", "deploy", SECTION_OF_COMMAND.get(command, command)):
        params = environment.get(section, {})
        params = params.get("parameters", {}) if isinstance(params, dict) else None
        if not isinstance(params, dict):
            raise DefinitionError(str(path), f"{env}.{section}.parameters", "expected a table")
        value = params.get("parameter_overrides")
        if value is not None:
            where = f"{env}.{section}.parameters.parameter_overrides"
            found.update(parse_overrides(_items(value, str(path), where), f"{path}: {where}"))
    return found


def parse_overrides(items: Sequence[str], where: str) -> dict[str, str]:
    """``Name=Value`` words (shell-quoted, several per item) or ``ParameterKey=N,ParameterValue=V``."""
    result: dict[str, str] = {}
    for item in items:
        try:
            words = shlex.split(item)
        except ValueError as exc:
            raise DefinitionError(where, "", f"cannot split {item!r}: {exc}") from None
        if not all("=" in word for word in words):
            words = [item]  # one Name=Value whose value has spaces, quoted by the shell
        for word in words:
            name, value = _pair(word, where)
            result[name] = value
    return result


def _pair(word: str, where: str) -> tuple[str, str]:
    if word.startswith("ParameterKey="):
        key_part, sep, value_part = word.partition(",ParameterValue=")
        if sep:
            return key_part[len("ParameterKey=") :], value_part
    name, sep, value = word.partition("=")
    if not sep or not name:
        raise DefinitionError(where, "", f"expected Name=Value, got {word!r}")
    return name, value


def _items(value: object, source: str, where: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise DefinitionError(source, where, "expected a string or a list of Name=Value strings")


def _read(path: Path) -> dict[str, object]:
    try:
        if path.suffix == ".toml":
            with path.open("rb") as handle:
                doc = tomllib.load(handle)
        else:
            doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise DefinitionError(str(path), "", exc.strerror or str(exc)) from None
    except tomllib.TOMLDecodeError as exc:
        raise DefinitionError(str(path), "", str(exc)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        raise DefinitionError(str(path), where, getattr(exc, "problem", None) or str(exc)) from None
    if not isinstance(doc, dict):
        raise DefinitionError(str(path), "", "expected a table of config environments")
    return doc
