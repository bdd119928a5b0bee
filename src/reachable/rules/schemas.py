"""Contracts for rules, their firings and the reachable-moment metrics."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class RuleOut(BaseModel):
    """A rule as listed: id, version, title, jurisdiction, trigger kinds, where it came from."""

    id: str
    version: str
    title: str
    jurisdiction: list[str]
    kinds: list[str]
    schedule: str | None
    source: str
    builtin: bool
    enabled: bool


class FiringOut(BaseModel):
    """One rule firing with its reason and evidence."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    rule_id: str
    rule_version: str
    child_id: int | None
    event_id: int | None
    event_kind: str | None
    event_occurred_at: datetime | None
    jurisdiction: str | None
    area_code: str | None
    mode: str
    reason: str
    evidence_event_ids: dict[str, Any]
    facts: dict[str, Any]
    fired_at: datetime


class MetricsRow(BaseModel):
    """Reachable moments for one rule in one responsible area, and how many tasks were acted on in time."""

    rule_id: str
    area_code: str | None
    fired: int = 0
    historical: int = 0
    tasks: int = 0
    closed_in_time: int = 0
    closed_late: int = 0
    open_in_time: int = 0
    open_overdue: int = 0

    @property
    def on_time_rate(self) -> float | None:
        """Share of tasks acted on in time among those closed or already overdue."""
        decided = self.closed_in_time + self.closed_late + self.open_overdue
        return None if decided == 0 else self.closed_in_time / decided
