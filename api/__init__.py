"""The registry's edges: the command line now, the HTTP API and pages next. Depends on ``registry``, never
the other way round."""
