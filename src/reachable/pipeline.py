"""The single entry point from arriving events to every later stage (linkage, rules...), in one transaction."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from reachable.access import service as access
from reachable.identity import service as identity
from reachable.records import service as records
from reachable.records.models import ImportBatch
from reachable.records.schemas import EventIn, StoreResult


@dataclass
class IngestOutcome:
    """What one call of the pipeline did: stored events and the children they belong to."""

    stored: StoreResult
    child_ids: list[int] = field(default_factory=list)


Stage = Callable[[Session, IngestOutcome, access.Actor], None]


def link_stage(session: Session, outcome: IngestOutcome, actor: access.Actor) -> None:
    """Resolve each new event's person to a child at once, so later stages see the right child."""
    seen: dict[int, int] = {}
    for event_id in outcome.stored.event_ids:
        event = records.get_event(session, event_id=event_id)
        if event is None:
            continue
        if event.source_record_id not in seen:
            seen[event.source_record_id] = identity.resolve_record(session, record_id=event.source_record_id)
        outcome.child_ids.append(seen[event.source_record_id])


def default_stages() -> list[Stage]:
    """The stages run after storing, in order; later capabilities append themselves here."""
    return [link_stage]


def ingest(session: Session, *, events: Sequence[EventIn], actor: access.Actor, batch: ImportBatch | None = None,
           first_line: int = 1, stages: Sequence[Stage] | None = None) -> IngestOutcome:
    """Store events and run every stage inside the caller's unit of work; audit the collection."""
    stored = records.store_events(session, events=events, batch=batch, first_line=first_line)
    outcome = IngestOutcome(stored=stored)
    for stage in default_stages() if stages is None else stages:
        stage(session, outcome, actor)
    access.record(session, actor=actor, action="collect", object_type="import_batch" if batch else "events",
                  object_id=batch.id if batch else None,
                  fields={"created": stored.created, "unchanged": stored.unchanged,
                          "new_versions": stored.new_versions, "children": len(set(outcome.child_ids))})
    return outcome
