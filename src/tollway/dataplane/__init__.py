"""The data plane: serves frozen deployments through the request pipelines (``pipelines``)."""
