"""Domain-free helpers: clock, ids, pagination, text."""
