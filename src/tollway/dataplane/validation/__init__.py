"""Request validation: a method's request validator compiled once (``rules``), and JSON-Schema
errors worded as API Gateway words them (``schema_errors``)."""
