"""CDK cloud assemblies: a template from ``cdk synth`` runs from its local asset folders.

``cdk synth`` writes every file asset beside the template (``cdk.out/asset.<hash>``) and
points the template at the S3 object ``cdk deploy`` would upload
(``Code: {S3Bucket: cdk-hnb659fds-assets-..., S3Key: <hash>.zip}``). The resource's
``Metadata`` says where the local copy is: ``aws:asset:path`` (relative to the template's
folder, or absolute) and ``aws:asset:property`` (the property the upload fills). As SAM CLI
does for CDK output, that property is replaced by the local path before the template is
read any further, so ``tollway serve cdk.out/STACK.template.json`` serves a CDK app
unchanged: ``Code`` of a function, ``Content`` of a layer, ``CodeUri`` / ``ContentUri`` of
SAM resources, ``TemplateURL`` of a nested stack; a ``BodyS3Location`` of a RestApi
(``ApiDefinition.fromAsset``) becomes its ``Body``. Docker image assets are left as they are.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tollway.errors import DefinitionError
from tollway.formats import yamlio

ASSET_PATH = "aws:asset:path"
ASSET_PROPERTY = "aws:asset:property"
_PATH_PROPERTIES = frozenset({"Code", "Content", "CodeUri", "ContentUri", "TemplateURL"})


def use_local_assets(doc: dict[str, Any], source: str, warnings: list[str]) -> dict[str, Any]:
    """``doc`` with each asset property pointing at its local copy (``doc`` is not changed)."""
    resources = doc.get("Resources")
    if not isinstance(resources, dict):
        return doc
    changed = dict(resources)
    for logical_id, resource in resources.items():
        local = _local_asset(logical_id, resource, source, warnings)
        if local is not None:
            changed[logical_id] = local
    return {**doc, "Resources": changed} if changed != resources else doc


def _local_asset(logical_id: str, resource: Any, source: str, warnings: list[str]) -> dict[str, Any] | None:
    """The resource rewritten to use its local asset, or None when it has none."""
    if not isinstance(resource, dict):
        return None
    metadata, props = resource.get("Metadata"), resource.get("Properties")
    if not isinstance(metadata, dict) or not isinstance(props, dict):
        return None
    relative, prop = metadata.get(ASSET_PATH), metadata.get(ASSET_PROPERTY)
    if not isinstance(relative, str) or prop not in (*_PATH_PROPERTIES, "BodyS3Location"):
        return None
    path = Path(source).parent / relative
    if not path.exists():
        warnings.append(
            f"{source}: /Resources/{logical_id}/Metadata: CDK asset {relative} does not exist "
            f"(looked for {path}); run `cdk synth` again"
        )
        return None
    if prop == "BodyS3Location":
        body = yamlio.load_file(path)
        if not isinstance(body, dict):
            raise DefinitionError(str(path), "", "a RestApi's OpenAPI asset must be a mapping")
        others = {k: v for k, v in props.items() if k != "BodyS3Location"}
        return {**resource, "Properties": {**others, "Body": body}}
    # A relative path stays relative: every reader resolves it against the template's folder.
    return {**resource, "Properties": {**props, prop: relative}}
