"""Feedback analysis: sentiment and aspects of what customers write, complaint topics, trends and pain points."""
