"""The Lambda-compatible function runtime: definitions are in ``tollway.model.functions``."""
