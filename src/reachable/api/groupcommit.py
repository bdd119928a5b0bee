"""Group commit for API submissions: concurrent requests of one actor share one pipeline run and one transaction.

A request that finds a free runner slot leads a group of every waiting submission of its actor; the others wait
for its commit. Under load the group is whatever arrived while the previous group ran (plus a few milliseconds'
gathering), so the round trips are paid once per group: the events are stored by the set-based bulk writer and
every stage runs once over them; a lone request runs at once and waits for nobody. Each request keeps its own
provenance batch, event indexes and audit row, and is answered only after the commit that stored it. If a group
fails, each of its submissions is retried alone, so one bad event fails only its own request.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from reachable import pipeline
from reachable.access import service as access
from reachable.areas import service as areas
from reachable.common.dates import utcnow
from reachable.common.errors import InputRejected
from reachable.db.uow import unit_of_work
from reachable.records import service as records
from reachable.records.ingest.writer import BulkWriter
from reachable.records.models import Event, ImportBatch
from reachable.records.schemas import EventIn, StoreResult
from reachable.records.validation import check_events

# Groups in flight per server worker: the next group gathers while this one commits. With 16 clients on two workers,
# two runners each made groups half as large for slightly more CPU per event (docs/ingest.md, the streaming API).
RUNNERS = 1
MAX_GROUP = 64  # submissions per group, so one transaction's locks and work stay short
log = logging.getLogger(__name__)
WINDOW = 0.005  # seconds a leader waits for more submissions, only while groups are being shared (under load)


def provenance(session: Session, actor: access.Actor, route: str, events: Sequence[EventIn]) -> ImportBatch:
    """The API batch every submitted event points to: route, token, body hash, time; events keep their index."""
    body = records.content_hash({"events": [event.model_dump(mode="json") for event in events]})
    batch = records.create_batch(session, source_kind="api", source_name=route, format="canonical", digest=body,
                                 imported_by=actor.name, agency_id=actor.agency_id)
    batch.finished_at = batch.started_at
    batch.counts = {"events": len(events)}
    return batch


def actor_key(actor: access.Actor) -> tuple[Any, ...]:
    """What makes two actors the same for the audit: submissions share a group only with their own actor."""
    return (actor.name, actor.agency_id, actor.role, actor.origin, actor.user_id, repr(sorted(actor.extra.items())))


@dataclass(eq=False)
class _Submission:
    """One waiting request: what it submits and, once its group has committed, what happened."""

    actor: access.Actor
    events: list[EventIn]
    route: str
    key: tuple[Any, ...] = ()
    taken: bool = False  # in a group now running
    done: bool = False
    outcome: pipeline.IngestOutcome | None = None
    error: BaseException | None = None

    def result(self) -> pipeline.IngestOutcome:
        """The committed outcome, or the error this submission alone caused."""
        if self.error is not None:
            raise self.error
        assert self.outcome is not None
        return self.outcome


@dataclass(eq=False)
class GroupCommitter:
    """Gathers one server worker's concurrent submissions into shared transactions."""

    sessions: Callable[[], Session]
    runners: int = RUNNERS
    max_group: int = MAX_GROUP
    window: float = WINDOW
    groups: int = 0  # groups committed (for tests and the benchmark)
    fallbacks: int = 0  # groups that failed and were retried submission by submission
    _last_size: int = 0
    _pending: list[_Submission] = field(default_factory=list)
    _running: int = 0
    _cond: threading.Condition = field(default_factory=threading.Condition)

    def submit(self, *, actor: access.Actor, events: Sequence[EventIn], route: str) -> pipeline.IngestOutcome:
        """Store these events through the whole pipeline and return once they are committed (or raise)."""
        mine = _Submission(actor=actor, events=list(events), route=route, key=actor_key(actor))
        with self._cond:
            self._pending.append(mine)
            while not mine.done:
                if not mine.taken and self._running < self.runners:
                    self._running += 1
                    mine.taken = True
                    if self._last_size > 1 and self.window > 0:
                        # Under load (the last group was shared) wait a moment for the others' next submissions.
                        self._cond.wait(self.window)
                    group = self._take(mine)
                    self._last_size = len(group)
                    break
                self._cond.wait()
            else:
                return mine.result()
        try:
            self._run(group)
        finally:
            with self._cond:
                for submission in group:
                    if submission.outcome is None and submission.error is None:  # the run itself was interrupted
                        submission.error = RuntimeError("the group of this submission did not complete")
                    submission.done = True
                self._running -= 1
                self._cond.notify_all()
        return mine.result()

    def _take(self, leader: _Submission) -> list[_Submission]:
        """The leader and the oldest waiting submissions of its actor, in arrival order (a correction stays after
        what it corrects), removed from the queue (lock held)."""
        room = self.max_group - 1  # the leader always has its place
        group = []
        for submission in self._pending:
            if submission is leader:
                group.append(submission)
            elif room > 0 and submission.key == leader.key and not submission.taken:
                group.append(submission)
                room -= 1
        for submission in group:
            submission.taken = True
        taken = {id(submission) for submission in group}
        self._pending = [submission for submission in self._pending if id(submission) not in taken]
        return group

    def _run(self, group: list[_Submission]) -> None:
        """Run the group in one transaction; if it fails, run each submission in a transaction of its own."""
        try:
            with unit_of_work(self.sessions) as session:
                batches = provenances(session, [(s.actor, s.route, s.events) for s in group])
                stored = store_group(session, [(s.events, batch) for s, batch in zip(group, batches, strict=True)])
                outcomes = pipeline.ingest_group(session, actor=group[0].actor,
                                                 stored=list(zip(stored, batches, strict=True)))
            for submission, outcome in zip(group, outcomes, strict=True):
                submission.outcome = outcome
            self.groups += 1
            return
        except Exception as error:  # retried one by one below: each request gets its own error
            if len(group) == 1:
                group[0].error = error
                return
            self.fallbacks += 1
            log.warning("a group of %d submissions failed (%s); retrying them one by one", len(group),
                     type(error).__name__)
        for submission in group:
            try:
                with unit_of_work(self.sessions) as session:
                    batch = provenance(session, submission.actor, submission.route, submission.events)
                    submission.outcome = pipeline.ingest(session, events=submission.events, actor=submission.actor,
                                                         first_line=0, batch=batch)
            except Exception as error:  # handed to the request that caused it
                submission.error = error


def provenances(session: Session, requests: Sequence[tuple[access.Actor, str, Sequence[EventIn]]]) -> list[ImportBatch]:
    """`provenance` for each request of a group, written in one statement."""
    now = utcnow()
    batches = [ImportBatch(source_kind="api", source_name=route, format="canonical", imported_by=actor.name,
                           content_hash=records.content_hash({"events": [e.model_dump(mode="json") for e in events]}),
                           agency_id=actor.agency_id, started_at=now, finished_at=now, counts={"events": len(events)})
               for actor, route, events in requests]
    session.add_all(batches)
    session.flush()
    return batches


def store_group(session: Session, submissions: Sequence[tuple[Sequence[EventIn], ImportBatch]]) -> list[StoreResult]:
    """Store a group's events in one set-based write: per submission, what `records.store_events` would have
    stored and reported, each event pointing to its own submission's batch and index. Raises InputRejected."""
    events = [event for part, _ in submissions for event in part]
    errors = check_events(events, known_areas=areas.area_codes(session))
    if errors:
        raise InputRejected(errors)  # the caller retries one by one: each request gets its own errors
    written = BulkWriter(session).write(events=[(index, event) for part, _ in submissions
                                                for index, event in enumerate(part)])
    # The writer draws new ids from the sequence after reading what exists, so the new rows are the largest ids.
    distinct = sorted(set(written.event_ids))
    fresh = set(distinct[len(distinct) - (written.created + written.new_versions):])
    results: list[StoreResult] = []
    owner: dict[int, int] = {}  # new event id -> the submission that wrote it (its first occurrence)
    position = 0
    for number, (part, _) in enumerate(submissions):
        result = StoreResult(event_ids=written.event_ids[position:position + len(part)])
        position += len(part)
        for event_id in result.event_ids:
            if event_id in fresh and event_id not in owner:
                owner[event_id] = number
            else:
                result.unchanged += 1  # stored before, or by an earlier submission of this group
        results.append(result)
    if owner:
        session.execute(update(Event), [{"id": event_id, "import_batch_id": submissions[number][1].id}
                                        for event_id, number in owner.items()])
    rows = session.execute(select(Event.id, Event.version, Event.source_record_id)
                           .where(Event.id.in_(set(written.event_ids))))
    facts = {row.id: (row.version, row.source_record_id) for row in rows}
    for event_id, number in owner.items():
        if facts[event_id][0] == 1:
            results[number].created += 1
        else:
            results[number].new_versions += 1
    for result in results:
        for event_id in result.event_ids:
            if facts[event_id][1] not in result.source_record_ids:
                result.source_record_ids.append(facts[event_id][1])
    return results
