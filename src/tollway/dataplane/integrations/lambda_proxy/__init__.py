"""The Lambda proxy contract (payload format 1.0): the event API Gateway sends (``events``),
the response shapes it accepts (``responses``), and the glue between a request and both
(``proxy``)."""
