"""The steps of the request pipelines, one module per step (``tollway.dataplane.pipelines`` lists
them in order)."""
