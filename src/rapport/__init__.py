"""Rapport: an LLM-native CRM."""

__version__ = "0.1.0"
