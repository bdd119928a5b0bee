"""The single entry point from arriving events to every later stage (linkage, rules...), in one transaction."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from reachable.access import service as access
from reachable.areas import service as areas
from reachable.common.errors import FieldError, InputRejected
from reachable.db.dialect import lock_for_append
from reachable.identity import service as identity
from reachable.network import service as network
from reachable.nrm import service as nrm
from reachable.records import service as records
from reachable.records.ingest import base as ingest_files_types
from reachable.records.ingest import runner as ingest_runner
from reachable.records.ingest.writer import BulkWriter, Checked
from reachable.records.models import ImportBatch
from reachable.records.schemas import EventIn, PersonIn, StoreResult
from reachable.rules import service as rules


@dataclass
class IngestOutcome:
    """What one call of the pipeline did: stored events and the children they belong to."""

    stored: StoreResult
    child_ids: list[int] = field(default_factory=list)


Stage = Callable[[Session, IngestOutcome, access.Actor], None]


def link_stage(session: Session, outcome: IngestOutcome, actor: access.Actor) -> None:
    """Resolve each new event's person to a child at once, so later stages see the right child."""
    # One query for every event's record, and the records resolved together: the bulk path hands over
    # thousands of events per chunk.
    record_of = records.stored_record_ids(session, stored=outcome.stored)
    ordered = [record_of[event_id] for event_id in outcome.stored.event_ids if event_id in record_of]
    child_of = identity.resolve_records(session, record_ids=ordered)
    outcome.child_ids.extend(child_of[record_id] for record_id in ordered)


NRM_KINDS = ("nrm_referral", "nrm_rg_decision", "nrm_cg_decision")


def nrm_stage(session: Session, outcome: IngestOutcome, actor: access.Actor) -> None:
    """Keep tracked NRM referrals in step with NRM events, before rules read the child's NRM status."""
    child_of = dict(zip(outcome.stored.event_ids, outcome.child_ids, strict=False))
    for event in records.events_of_kinds(session, event_ids=outcome.stored.event_ids, kinds=NRM_KINDS,
                                         stored=outcome.stored):
        child_id = child_of[event.id]
        agency = areas.agencies_by_id(session, ids={event.agency_id})[event.agency_id]
        nrm.apply_event(session, kind=event.kind, payload=dict(event.payload), child_id=child_id,
                        agency_code=agency.code, occurred_on=event.occurred_at.date(), actor=actor)


def rules_stage(session: Session, outcome: IngestOutcome, actor: access.Actor) -> None:
    """Run the reachable-moment rules in the ingest transaction: firings, tasks and markers commit with the events."""
    rules.run_for_events(session, event_ids=outcome.stored.event_ids, child_ids=outcome.child_ids,
                         stored=outcome.stored)


def network_stage(session: Session, outcome: IngestOutcome, actor: access.Actor) -> None:
    """Add what the new events show to the contextual safeguarding network (cheap and idempotent)."""
    network.build_for_events(session, event_ids=outcome.stored.event_ids,
                             corrections=outcome.stored.new_versions > 0)


def default_stages() -> list[Stage]:
    """The stages run after storing, in order; later capabilities append themselves here."""
    return [link_stage, nrm_stage, rules_stage, network_stage]


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


def ingest_files(session: Session, *, sources: Sequence[ingest_files_types.Source], actor: access.Actor,
                 accept_valid: bool = False, rejects: Path | None = None, progress: bool = False,
                 chunk_size: int = 5000, stages: Sequence[Stage] | None = None,
                 errors: Sequence[FieldError] = (), max_bytes: int = ingest_files_types.MAX_FILE_BYTES,
                 ) -> ingest_runner.ImportReport:
    """Bulk-import files through the set-based writer, running every stage on each chunk in the same transaction.

    Raises InputRejected listing every error unless accept_valid; the caller's unit of work then rolls back.
    """
    writer = BulkWriter(session)
    children: set[int] = set()
    run_stages = default_stages() if stages is None else stages

    def store(events: list[Checked], people: list[tuple[str, PersonIn]], batch: ImportBatch) -> StoreResult:
        stored = writer.write(checked=events, people=people, batch=batch)
        outcome = IngestOutcome(stored=stored)
        for stage in run_stages:
            stage(session, outcome, actor)
        children.update(outcome.child_ids)
        return stored

    # Per-agency serialisation: two imports of the same agency queue; different agencies run side by side.
    for code in sorted({source.agency for source in sources if source.agency}):
        lock_for_append(session, hashlib.sha256(f"ingest:{code}".encode()).hexdigest()[:8])
    if link_stage in run_stages:
        identity.lock_for_linking(session)  # every chunk links records: hold the identity lock from the start
    report = ingest_runner.run(session, sources=sources, store=store, imported_by=actor.name,
                               accept_valid=accept_valid, rejects=rejects, progress=progress,
                               chunk_size=chunk_size, errors=errors, max_bytes=max_bytes,
                               few_statements=not run_stages)
    if report.errors and not accept_valid:
        raise InputRejected(report.errors)
    for item in report.files:
        if item.skipped is None and item.batch_id is not None:
            access.record(session, actor=actor, action="collect", object_type="import_batch", object_id=item.batch_id,
                          fields={"file": item.path[-200:], "created": item.created, "unchanged": item.unchanged,
                                  "new_versions": item.new_versions, "rejected_rows": item.rejected_rows})
    report.children = len(children)
    return report
