"""Personalised marketing: segments, recommendations and offers, generated messages with guardrails, campaigns."""
