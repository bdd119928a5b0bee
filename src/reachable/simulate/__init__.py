"""Synthetic multi-agency world with ground truth, calibrated to published figures (issue 3)."""

from reachable.simulate.world import DEFAULT_END, simulate, simulate_demo

__all__ = ["DEFAULT_END", "simulate", "simulate_demo"]
