"""Lambda-compatible functions: the runtime (``runtime``) and code packaging (``packaging``);
definitions are in ``tollway.model.functions``."""
