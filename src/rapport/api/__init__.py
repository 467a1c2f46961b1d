"""The REST API: one router module per domain, one error handler, shared dependencies."""
