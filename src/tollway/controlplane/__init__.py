"""The control plane: import files into the store, deploy (freeze a snapshot), list, export."""

from tollway.controlplane.errors import BadRequest, NotFound
from tollway.controlplane.service import ControlPlane, Importer
from tollway.controlplane.views import ApiSummary, ImportOutcome

__all__ = ["ApiSummary", "BadRequest", "ControlPlane", "ImportOutcome", "Importer", "NotFound"]
