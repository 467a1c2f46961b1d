"""Phrase tables behind `rapport.demo.texts`: what customers, agents and staff write, per intent and language."""

from typing import Literal

Sentiment = Literal["very_negative", "negative", "neutral", "positive"]
Language = Literal["en", "zh"]
