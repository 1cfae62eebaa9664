"""Lambda-compatible function definitions: what ``AWS::Serverless::Function`` and
``AWS::Lambda::Function`` / ``Version`` / ``Alias`` / ``LayerVersion`` declare.

A function is identified by its ``name`` (the ``FunctionName`` property, else the template's
logical id). Integration URIs and ARNs name it ``arn:aws:lambda:REGION:ACCOUNT:function:NAME``
with an optional ``:QUALIFIER`` (a version number, ``$LATEST`` or an alias name).
"""

from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_TIMEOUT_S = 3
DEFAULT_MEMORY_MB = 128
LATEST = "$LATEST"


@dataclass(frozen=True, slots=True)
class FunctionConfig:
    """What one version of a function runs: code, handler and limits."""

    handler: str
    """``module.function`` (``app.lambda_handler``), relative to the code folder."""
    runtime: str
    """Declared runtime (``python3.12``); tollway runs the installed interpreter."""
    code_path: str
    """Absolute path of the code: a folder, or a ``.zip`` file."""
    environment: dict[str, str] = field(default_factory=dict)
    timeout_s: int = DEFAULT_TIMEOUT_S
    memory_mb: int = DEFAULT_MEMORY_MB
    layers: tuple[str, ...] = ()
    """The function's layers in merge order: absolute paths of local layer folders (or zips),
    and the ARNs of layers the template does not hold (``tollway build`` installs the ones it
    knows, see ``tollway.functions.packaging.powertools``; the others are not run)."""
    layer_builds: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Local layers that ``tollway build`` builds (``Metadata: BuildMethod``): layer path ->
    (build method: ``python3.x`` or ``makefile``, the layer's logical id)."""
    description: str | None = None


@dataclass(frozen=True, slots=True)
class FunctionAlias:
    """An alias: a name for one version, optionally sharing traffic with others."""

    name: str
    version: str
    additional_weights: dict[str, float] = field(default_factory=dict)
    """Version -> fraction of invocations (0..1) routed to it instead of ``version``."""


@dataclass(frozen=True, slots=True)
class FunctionDef:
    """A function with its unpublished ``$LATEST`` config, published versions and aliases."""

    name: str
    logical_id: str
    config: FunctionConfig
    reserved_concurrency: int | None = None
    versions: dict[str, FunctionConfig] = field(default_factory=dict)
    """Published version number (``"1"``...) -> the config frozen at publication."""
    aliases: dict[str, FunctionAlias] = field(default_factory=dict)
    auto_publish_alias: str | None = None

    def resolve(self, qualifier: str | None) -> tuple[str, FunctionConfig] | None:
        """``(version, config)`` for a qualifier (None / ``$LATEST`` / a version), or None.

        Aliases are resolved by the caller (they may split traffic between versions).
        """
        if qualifier in (None, "", LATEST):
            return LATEST, self.config
        config = self.versions.get(qualifier or "")
        return (qualifier or "", config) if config is not None else None
