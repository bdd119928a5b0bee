"""Early identification: a transparent points score for every child, from events alone.

It informs, never decides: nothing here changes a status, marker or referral. Inputs are the child's own
events and date of birth (never sex, ethnicity or religion), and only associations in which the child is the
one at risk. Factors, points and the window live in `data/early_id.yaml` (versioned, documented in docs/risk.md).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache
from importlib import resources

import yaml
from pydantic import BaseModel, ConfigDict
from sqlalchemy import text
from sqlalchemy.orm import Session

from reachable.common.dates import age_on
from reachable.records.schemas import EventOut
from reachable.risk.indicators import Match, _payload_matches

# Record links and events are joined in SQL here (read-only) so a whole area streams in one query.
CHILD_EVENTS = text("""
SELECT l.child_id, c.dob, e.id, e.kind, e.occurred_at, e.payload
FROM events e JOIN record_links l ON l.source_record_id = e.source_record_id AND l.ended_at IS NULL
JOIN children c ON c.id = l.child_id AND c.status = 'active'
WHERE e.superseded_at IS NULL AND e.occurred_at <= :as_of
ORDER BY l.child_id, e.occurred_at, e.id
""")


class EarlyFactor(BaseModel):
    """One scored factor: which events evidence it, its points, and an optional age condition."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    label: str
    points: int
    under_age: int | None = None
    # For a finding (missing_found): the episode it closes lasted at least this long, from the report.
    min_missing_hours: int | None = None
    match: Match


class EarlyModel(BaseModel):
    """The versioned early-identification parameters."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str
    window_days: int
    factors: tuple[EarlyFactor, ...]


@cache
def model() -> EarlyModel:
    """The shipped early-identification parameters, validated once."""
    raw = resources.files("reachable.risk").joinpath("data/early_id.yaml").read_text(encoding="utf-8")
    return EarlyModel.model_validate(yaml.safe_load(raw))


@dataclass
class Factor:
    """One contributing factor: its points and the events that evidence it."""

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
    version: str = field(default_factory=lambda: model().version)


@dataclass(frozen=True)
class Hit:
    """A lightweight event for scoring (id, kind, time, payload)."""

    id: int
    kind: str
    occurred_at: datetime
    payload: dict[str, object]


def episode_hours(events: Sequence[Hit | EventOut]) -> dict[int, float]:
    """How long each missing episode lasted, keyed by the id of the event that closed it (found after reported).

    The report and the finding of one episode share its `episode_ref`; an episode without both has no length.
    """
    reported: dict[object, datetime] = {}
    hours: dict[int, float] = {}
    for event in sorted(events, key=lambda e: e.occurred_at):
        ref = event.payload.get("episode_ref")
        if ref is None:
            continue
        if event.kind == "missing_reported":
            reported.setdefault(ref, event.occurred_at)
        elif event.kind == "missing_found" and ref in reported:
            hours[event.id] = (event.occurred_at - reported[ref]).total_seconds() / 3600
    return hours


def matched_factors(event: Hit | EventOut, *, dob: date | None, hours: float | None = None) -> list[EarlyFactor]:
    """The factors one event evidences (age-conditioned ones need `dob`; duration-conditioned ones `hours`)."""
    found = []
    for factor in model().factors:
        if factor.points <= 0 or event.kind not in factor.match.kinds:
            continue
        if not _payload_matches(factor.match, dict(event.payload)):
            continue
        if factor.under_age is not None and (dob is None or age_on(dob, event.occurred_at.date()) >= factor.under_age):
            continue
        if factor.min_missing_hours is not None and (hours is None or hours < factor.min_missing_hours):
            continue
        found.append(factor)
    return found


def score_events(child_id: int, events: Sequence[Hit | EventOut], *, as_of: datetime,
                 dob: date | None = None) -> Score:
    """Points from events in the window before `as_of`: each factor counts once, with all its evidence."""
    since = as_of - timedelta(days=model().window_days)
    lengths = episode_hours(events)
    evidence: dict[str, list[int]] = {}
    for event in events:
        if since <= event.occurred_at <= as_of:
            for factor in matched_factors(event, dob=dob, hours=lengths.get(event.id)):
                evidence.setdefault(factor.id, []).append(event.id)
    factors = [Factor(f.id, f.label, f.points, evidence[f.id]) for f in model().factors if f.id in evidence]
    return Score(child_id=child_id, score=sum(f.points for f in factors), factors=factors)


def rolling(events: Sequence[Hit], *, dob: date | None) -> list[tuple[datetime, int]]:
    """The score just after each event (events in time order): one pass with a sliding window."""
    window = timedelta(days=model().window_days)
    points = {f.id: f.points for f in model().factors}
    lengths = episode_hours(events)
    matched = [[f.id for f in matched_factors(e, dob=dob, hours=lengths.get(e.id))] for e in events]
    counts: Counter[str] = Counter()
    left, out = 0, []
    for index, event in enumerate(events):
        counts.update(matched[index])
        while events[left].occurred_at < event.occurred_at - window:
            counts.subtract(matched[left])
            left += 1
        out.append((event.occurred_at, sum(points[f] for f, n in counts.items() if n > 0)))
    return out


def stream_children(session: Session, *, as_of: datetime) -> Iterator[tuple[int, date | None, list[Hit]]]:
    """Each active child's date of birth and events up to `as_of`, one child at a time (bounded memory)."""
    current: int | None = None
    born: date | None = None
    batch: list[Hit] = []
    for child_id, dob, event_id, kind, occurred_at, payload in session.execute(CHILD_EVENTS, {"as_of": as_of}):
        if current is not None and child_id != current:
            yield current, born, batch
            batch = []
        current, born = child_id, _date(dob)
        moment = occurred_at if isinstance(occurred_at, datetime) else datetime.fromisoformat(str(occurred_at))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        batch.append(Hit(event_id, kind, moment, payload if isinstance(payload, dict) else _json(payload)))
    if current is not None:
        yield current, born, batch


def _date(value: object) -> date | None:
    """A date of birth as the driver returned it (a date, or ISO text through text() on SQLite)."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _json(value: object) -> dict[str, object]:
    """Decode a JSON payload that the driver returned as text (SQLite through text())."""
    import json

    decoded = json.loads(str(value)) if value else {}
    return decoded if isinstance(decoded, dict) else {}


def ranked_list(session: Session, *, as_of: datetime, limit: int) -> list[Score]:
    """The children with the highest scores now, each with contributing factors and evidence."""
    scores = [score_events(child_id, events, as_of=as_of, dob=dob)
              for child_id, dob, events in stream_children(session, as_of=as_of)]
    scores = [s for s in scores if s.score > 0]
    scores.sort(key=lambda s: (-s.score, s.child_id))
    return scores[:limit]
