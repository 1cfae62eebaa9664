"""Running functions: worker processes (``bootstrap``, ``instance``), the pool and its admission
(``pool``, ``admission``), the executor the gateway calls (``local``), their logs and console,
and Lambda's Invoke API (``invoke_api``)."""
