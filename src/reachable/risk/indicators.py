"""The screening indicator catalogue (package data) and how events evidence each indicator."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import cache
from importlib import resources
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict

from reachable.records.schemas import EventOut

Level = Literal["none", "low", "medium", "high"]
LEVELS: tuple[Level, ...] = ("none", "low", "medium", "high")


class Match(BaseModel):
    """Which events evidence an indicator: kinds, payload equalities, list overlaps and a count window."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kinds: tuple[str, ...]
    payload: dict[str, Any] = {}
    payload_contains: dict[str, tuple[str, ...]] = {}
    min_count: int = 1
    within_days: int | None = None


class Indicator(BaseModel):
    """One indicator: its domain, level (low/medium/high = significant) and the events that evidence it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    domain: Literal["vulnerability", "behaviour", "event", "association"]
    label: str
    level: Literal["low", "medium", "high"]
    match: Match


class Catalogue(BaseModel):
    """The versioned indicator catalogue."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str
    window_days: int
    indicators: tuple[Indicator, ...]


@cache
def catalogue() -> Catalogue:
    """The shipped catalogue, validated once."""
    text = resources.files("reachable.risk").joinpath("data/indicators.yaml").read_text(encoding="utf-8")
    return Catalogue.model_validate(yaml.safe_load(text))


def _payload_matches(match: Match, payload: dict[str, Any]) -> bool:
    """Whether a payload meets the equalities (a list means any of) and list overlaps of a match."""
    for field, wanted in match.payload.items():
        value = payload.get(field)
        if isinstance(wanted, list):
            if value not in wanted:
                return False
        elif value != wanted:
            return False
    return all(set(payload.get(field) or ()) & set(wanted_any) for field, wanted_any in match.payload_contains.items())


def evidence(indicator: Indicator, events: Sequence[EventOut], *, as_of: datetime,
             window_days: int) -> list[EventOut]:
    """The events evidencing an indicator within the window before `as_of` (empty if not present)."""
    since = as_of - timedelta(days=window_days)
    hits = [e for e in events if e.kind in indicator.match.kinds and since <= e.occurred_at <= as_of
            and _payload_matches(indicator.match, e.payload)]
    need, span = indicator.match.min_count, indicator.match.within_days
    if need <= 1:
        return hits
    for start in range(len(hits) - need + 1):
        group = hits[start:start + need]
        if span is None or (group[-1].occurred_at - group[0].occurred_at).days <= span:
            return group
    return []
