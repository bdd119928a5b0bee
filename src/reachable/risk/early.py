"""Early identification: a transparent points score for every child, from events alone.

It informs, never decides: nothing here changes a status, marker or referral. Inputs are the child's own
events (never sex, ethnicity or religion), and only associations in which the child is the one at risk.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from reachable.records.schemas import EventOut
from reachable.risk.indicators import Indicator, _payload_matches, catalogue

SCORE_VERSION = "early-id-1"

# Record links and events are joined in SQL here (read-only) so a whole area streams in one query.
CHILD_EVENTS = text("""
SELECT l.child_id, e.id, e.kind, e.occurred_at, e.payload
FROM events e JOIN record_links l ON l.source_record_id = e.source_record_id AND l.ended_at IS NULL
JOIN children c ON c.id = l.child_id AND c.status = 'active'
WHERE e.superseded_at IS NULL AND e.occurred_at <= :as_of
ORDER BY l.child_id, e.occurred_at, e.id
""")


@dataclass
class Factor:
    """One contributing factor: an indicator, its points and the events that evidence it."""

    indicator_id: str
    label: str
    points: int
    event_ids: list[int] = field(default_factory=list)


@dataclass
class Score:
    """A child's early-identification score with every contributing factor."""

    child_id: int
    score: int
    factors: list[Factor]
    version: str = SCORE_VERSION


@dataclass(frozen=True)
class Hit:
    """A lightweight event for scoring (id, kind, time, payload)."""

    id: int
    kind: str
    occurred_at: datetime
    payload: dict[str, object]


def _matches(indicator: Indicator, event: Hit | EventOut) -> bool:
    """Whether one event evidences an indicator (ignoring count windows)."""
    return event.kind in indicator.match.kinds and _payload_matches(indicator.match, dict(event.payload))


def score_events(child_id: int, events: Sequence[Hit | EventOut], *, as_of: datetime) -> Score:
    """Points from events in the window before `as_of`: each indicator counts up to its cap."""
    cat = catalogue()
    since = as_of - timedelta(days=cat.window_days)
    recent = [e for e in events if since <= e.occurred_at <= as_of]
    factors = []
    for indicator in cat.indicators:
        if indicator.points <= 0:
            continue
        hits = [e for e in recent if _matches(indicator, e)]
        if indicator.match.min_count > 1:
            hits = _window_group(hits, indicator)
        if hits:
            count = min(len(hits), indicator.cap)
            factors.append(Factor(indicator.id, indicator.label, indicator.points * count, [e.id for e in hits]))
    return Score(child_id=child_id, score=sum(f.points for f in factors), factors=factors)


def _window_group(hits: list[Hit | EventOut], indicator: Indicator) -> list[Hit | EventOut]:
    """The first run of min_count hits within within_days, or nothing."""
    need, span = indicator.match.min_count, indicator.match.within_days or 10**6
    for start in range(len(hits) - need + 1):
        group = hits[start:start + need]
        if (group[-1].occurred_at - group[0].occurred_at).days <= span:
            return group
    return []


def stream_children(session: Session, *, as_of: datetime) -> Iterator[tuple[int, list[Hit]]]:
    """Each active child's events up to `as_of`, one child at a time (bounded memory)."""
    current: int | None = None
    batch: list[Hit] = []
    for child_id, event_id, kind, occurred_at, payload in session.execute(CHILD_EVENTS, {"as_of": as_of}):
        if current is not None and child_id != current:
            yield current, batch
            batch = []
        current = child_id
        moment = occurred_at if isinstance(occurred_at, datetime) else datetime.fromisoformat(str(occurred_at))
        if moment.tzinfo is None:
            from datetime import UTC

            moment = moment.replace(tzinfo=UTC)
        batch.append(Hit(event_id, kind, moment, payload if isinstance(payload, dict) else _json(payload)))
    if current is not None:
        yield current, batch


def _json(value: object) -> dict[str, object]:
    """Decode a JSON payload that the driver returned as text (SQLite through text())."""
    import json

    decoded = json.loads(str(value)) if value else {}
    return decoded if isinstance(decoded, dict) else {}


def ranked_list(session: Session, *, as_of: datetime, limit: int) -> list[Score]:
    """The children with the highest scores now, each with contributing factors and evidence."""
    scores = [score_events(child_id, events, as_of=as_of) for child_id, events in stream_children(session, as_of=as_of)]
    scores = [s for s in scores if s.score > 0]
    scores.sort(key=lambda s: (-s.score, s.child_id))
    return scores[:limit]


def first_reached(events: Sequence[Hit], *, threshold: int) -> datetime | None:
    """The first moment a child's rolling score reached the threshold (replaying events in order)."""
    for index, event in enumerate(events):
        if score_events(0, events[: index + 1], as_of=event.occurred_at).score >= threshold:
            return event.occurred_at
    return None


def peak_score(events: Sequence[Hit]) -> int:
    """The highest rolling score a child reached at any event."""
    return max((score_events(0, events[: i + 1], as_of=e.occurred_at).score for i, e in enumerate(events)), default=0)
