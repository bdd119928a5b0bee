"""Reachable: find children who are criminally exploited early, and protect them as victims."""

__version__ = "0.1.0"
