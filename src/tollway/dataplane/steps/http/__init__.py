"""The steps of the HTTP API pipeline (``pipelines.HTTP``), one module each."""
