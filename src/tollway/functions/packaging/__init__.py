"""Function code as it is packaged: ``tollway build`` (dependencies, layers, Powertools),
published versions' frozen code (``snapshots``) and ``--watch`` (``watch``)."""
