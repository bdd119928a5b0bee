"""Shared CCE markers: the national code list, and set / propose / support / review / end with history."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from importlib import resources
from typing import Any, cast

import yaml
from pydantic import ValidationError
from sqlalchemy import Table, bindparam, insert, select
from sqlalchemy.orm import Session

from reachable.areas import service as areas
from reachable.common.dates import utcnow
from reachable.common.errors import Conflict, FieldError, InputRejected, NotFound
from reachable.markers.models import Marker, MarkerHistory
from reachable.markers.schemas import MarkerCode

OPEN = ("proposed", "active")
PROPOSAL_REVIEW_DAYS = 5  # a proposal waits at most this long for an agency that may set it to decide
_NEW_COLUMNS = ("child_id", "code", "status", "basis", "set_by", "set_by_agency_id", "set_at", "reason",
                "evidence_event_ids", "rule_id", "rule_version", "review_due_at", "last_reviewed_at", "ended_at",
                "end_reason")


@dataclass(frozen=True)
class MarkerChange:
    """What a set / propose call did to a child's marker: created, confirmed, supported or unchanged."""

    marker: Marker
    action: str


@cache
def marker_codes() -> dict[str, MarkerCode]:
    """The national marker list shipped as package data (markers/data/codes.yaml), by code."""
    text = resources.files("reachable.markers").joinpath("data/codes.yaml").read_text(encoding="utf-8")
    loaded = yaml.safe_load(text)
    try:
        codes = [MarkerCode.model_validate(item) for item in loaded["codes"]]
    except ValidationError as error:  # a broken shipped list is a programming error: fail loudly
        raise RuntimeError(f"markers/data/codes.yaml is invalid: {error}") from error
    return {code.code: code for code in codes}


def get_code(code: str) -> MarkerCode:
    """One marker code, or a clear refusal naming the known codes."""
    known = marker_codes()
    if code not in known:
        raise InputRejected([FieldError("code", f"unknown marker code; known: {', '.join(known)}", code)])
    return known[code]


def codes_for_factors(factors: Iterable[str]) -> list[str]:
    """The marker codes a set of CIN census assessment factors sets or supports (e.g. 24A → cce_risk)."""
    wanted = {factor.upper() for factor in factors}
    return [code.code for code in marker_codes().values() if wanted & set(code.cin_factors)]


def _agency_kind(session: Session, agency_id: int | None) -> str | None:
    """The kind of an agency (police, childrens_social_care…) or None for the system itself."""
    if agency_id is None:
        return None
    agency = areas.agencies_by_id(session, ids={agency_id}).get(agency_id)
    return agency.kind if agency else None


def _history(session: Session, marker: Marker, *, action: str, at: datetime, by: str, reason: str,
             agency_id: int | None, evidence: Sequence[int] = (), rule_id: str | None = None,
             rule_version: str | None = None) -> None:
    """Append one step to a marker's history (never changed afterwards)."""
    session.add(MarkerHistory(marker_id=marker.id, action=action, at=at, by=by, by_agency_id=agency_id, reason=reason,
                              evidence_event_ids={"ids": list(evidence)}, rule_id=rule_id, rule_version=rule_version))


def _check_reason(reason: str) -> None:
    """Refuse a decision without a reason (principle 2: explain every decision)."""
    if not reason or len(reason.strip()) < 3:
        raise InputRejected([FieldError("reason", "a reason is required for every marker decision", reason)])


def find_open(session: Session, *, child_id: int, code: str) -> Marker | None:
    """The child's proposed or active marker with this code, if any."""
    return session.scalar(select(Marker).where(Marker.child_id == child_id, Marker.code == code,
                                               Marker.status.in_(OPEN)).order_by(Marker.id).limit(1))


def set_marker(session: Session, *, child_id: int, code: str, by: str, reason: str,
               agency_id: int | None = None, evidence_event_ids: Sequence[int] = (), at: datetime | None = None,
               basis: str = "assessment", propose_only: bool = False, rule_id: str | None = None,
               rule_version: str | None = None) -> MarkerChange:
    """Set a marker if the agency may set this code, else propose it; an open marker is supported instead."""
    spec = get_code(code)
    _check_reason(reason)
    at = at or utcnow()
    direct = not propose_only and _agency_kind(session, agency_id) in spec.may_set  # no lookup when proposing
    evidence = [int(event_id) for event_id in evidence_event_ids]
    marker = find_open(session, child_id=child_id, code=code)
    if marker is None:
        marker = _new_marker(spec, child_id=child_id, direct=direct, basis=basis, by=by, agency_id=agency_id, at=at,
                             reason=reason, evidence=evidence, rule_id=rule_id, rule_version=rule_version)
        session.add(marker)
        session.flush()
        action = "set" if direct else "proposed"
        _history(session, marker, action=action, at=at, by=by, reason=reason, agency_id=agency_id, evidence=evidence,
                 rule_id=rule_id, rule_version=rule_version)
        return MarkerChange(marker, action)
    action, new = _advance(marker, spec, direct=direct, evidence=evidence, by=by, agency_id=agency_id, at=at,
                           reason=reason)
    if action == "unchanged":
        return MarkerChange(marker, action)
    _history(session, marker, action=action, at=at, by=by, reason=reason, agency_id=agency_id, evidence=new,
             rule_id=rule_id, rule_version=rule_version)
    session.flush()
    return MarkerChange(marker, action)


def _new_marker(spec: MarkerCode, *, child_id: int, direct: bool, basis: str, by: str, agency_id: int | None,
                at: datetime, reason: str, evidence: list[int], rule_id: str | None,
                rule_version: str | None) -> Marker:
    """A new marker: active when the agency may set the code, else proposed (with the shorter proposal review)."""
    return Marker(child_id=child_id, code=spec.code, status="active" if direct else "proposed", basis=basis,
                  set_by=by, set_by_agency_id=agency_id, set_at=at, reason=reason,
                  evidence_event_ids={"ids": evidence}, rule_id=rule_id, rule_version=rule_version,
                  review_due_at=at + timedelta(days=spec.review_days if direct else PROPOSAL_REVIEW_DAYS))


def _advance(marker: Marker, spec: MarkerCode, *, direct: bool, evidence: list[int], by: str, agency_id: int | None,
             at: datetime, reason: str) -> tuple[str, list[int]]:
    """Confirm or support an open marker in place; (action, evidence not seen before), or "unchanged" on a replay."""
    known = list(marker.evidence_event_ids.get("ids", []))
    new = [event_id for event_id in evidence if event_id not in known]
    if marker.status == "proposed" and direct:
        marker.status, marker.set_by, marker.set_by_agency_id, marker.set_at = "active", by, agency_id, at
        marker.reason, marker.review_due_at = reason, at + timedelta(days=spec.review_days)
        action = "confirmed"
    elif evidence and not new:
        return "unchanged", []  # a replay of evidence already counted
    else:
        action = "supported"
    marker.evidence_event_ids = {"ids": known + new}
    return action, new


def apply_cin_factors(session: Session, *, child_id: int, factors: Sequence[str], event_id: int, agency_id: int,
                      at: datetime, by: str, rule_id: str | None = None,
                      rule_version: str | None = None) -> list[MarkerChange]:
    """Set or support the markers matching CIN census factors recorded by an assessment (24A → cce_risk…)."""
    changes = []
    for code in codes_for_factors(factors):
        matched = sorted(set(get_code(code).cin_factors) & {f.upper() for f in factors})
        reason = f"assessment recorded CIN census factor {', '.join(matched)} (event {event_id})"
        changes.append(set_marker(session, child_id=child_id, code=code, by=by, reason=reason, agency_id=agency_id,
                                  evidence_event_ids=[event_id], at=at, basis="assessment", rule_id=rule_id,
                                  rule_version=rule_version))
    return changes


# Built once: every ingest chunk (an API event is a chunk of one) reads its children's open markers with it.
_OPEN_OF_CHILDREN = (select(Marker).where(Marker.child_id.in_(bindparam("ids", expanding=True)),
                                          Marker.status.in_(OPEN)).order_by(Marker.id))


class MarkerBook:
    """Many children's open markers held in memory for one ingest chunk: changes apply at once (later events of the
    chunk see them), and `write` stores the new markers and every history step in a few statements."""

    def __init__(self, session: Session, *, child_ids: Sequence[int]) -> None:
        """Read the open markers of these children in a few queries."""
        self.session = session
        ids = sorted(set(child_ids))
        self.open: dict[int, dict[str, Marker]] = {child_id: {} for child_id in ids}
        for start in range(0, len(ids), 1000):
            for marker in session.scalars(_OPEN_OF_CHILDREN, {"ids": ids[start:start + 1000]}):
                self.open[marker.child_id].setdefault(marker.code, marker)  # the oldest, as find_open does
        self.new: list[Marker] = []
        self.steps: list[tuple[Marker, dict[str, Any]]] = []

    def active_codes(self, child_id: int) -> set[str]:
        """The child's active marker codes, including this chunk's changes."""
        return {code for code, marker in self.open.get(child_id, {}).items() if marker.status == "active"}

    def set_marker(self, *, child_id: int, code: str, by: str, reason: str, agency_id: int | None,
                   agency_kind: str | None, evidence_event_ids: Sequence[int], at: datetime, basis: str,
                   propose_only: bool = False, rule_id: str | None = None,
                   rule_version: str | None = None) -> str:
        """What `set_marker` does, in memory; returns the action (set, proposed, confirmed, supported, unchanged)."""
        spec = get_code(code)
        _check_reason(reason)
        direct = not propose_only and agency_kind in spec.may_set
        evidence = [int(event_id) for event_id in evidence_event_ids]
        marker = self.open.setdefault(child_id, {}).get(code)
        if marker is None:
            marker = _new_marker(spec, child_id=child_id, direct=direct, basis=basis, by=by, agency_id=agency_id,
                                 at=at, reason=reason, evidence=evidence, rule_id=rule_id, rule_version=rule_version)
            self.open[child_id][code] = marker
            self.new.append(marker)
            action = "set" if direct else "proposed"
            self._step(marker, action, at, by, reason, agency_id, evidence, rule_id, rule_version)
            return action
        action, new = _advance(marker, spec, direct=direct, evidence=evidence, by=by, agency_id=agency_id, at=at,
                               reason=reason)
        if action == "unchanged":
            return action
        self._step(marker, action, at, by, reason, agency_id, new, rule_id, rule_version)
        return action

    def apply_cin_factors(self, *, child_id: int, factors: Sequence[str], event_id: int, agency_id: int,
                          agency_kind: str | None, at: datetime, by: str, rule_id: str | None = None,
                          rule_version: str | None = None) -> list[tuple[str, str]]:
        """What `apply_cin_factors` does, in memory: (code, action) for each marker the factors set or support."""
        changes = []
        for code in codes_for_factors(factors):
            matched = sorted(set(get_code(code).cin_factors) & {f.upper() for f in factors})
            reason = f"assessment recorded CIN census factor {', '.join(matched)} (event {event_id})"
            changes.append((code, self.set_marker(
                child_id=child_id, code=code, by=by, reason=reason, agency_id=agency_id, agency_kind=agency_kind,
                evidence_event_ids=[event_id], at=at, basis="assessment", rule_id=rule_id,
                rule_version=rule_version)))
        return changes

    def _step(self, marker: Marker, action: str, at: datetime, by: str, reason: str, agency_id: int | None,
              evidence: Sequence[int], rule_id: str | None, rule_version: str | None) -> None:
        """Keep a history step until the marker has its id."""
        self.steps.append((marker, {"action": action, "at": at, "by": by, "by_agency_id": agency_id,
                                    "reason": reason, "evidence_event_ids": {"ids": list(evidence)},
                                    "rule_id": rule_id, "rule_version": rule_version}))

    def write(self) -> None:
        """Store new markers (one multi-row insert), changed ones, then every history step (one insert)."""
        if self.new:
            # One Core multi-row insert (the ORM's flush inserted these a row per statement). A chunk creates at
            # most one marker per child and code (an open one is supported instead), so that pair finds each id.
            table = cast(Table, Marker.__table__)
            rows = [{column: getattr(marker, column) for column in _NEW_COLUMNS} for marker in self.new]
            returned = self.session.execute(insert(table).returning(table.c.id, table.c.child_id, table.c.code), rows)
            ids = {(child_id, code): marker_id for marker_id, child_id, code in returned}
            for marker in self.new:
                marker.id = ids[(marker.child_id, marker.code)]  # stays outside the session: reads load the row
            self.new = []
        self.session.flush()  # markers read from the store and changed in this chunk
        if self.steps:
            self.session.execute(insert(MarkerHistory), [dict(values, marker_id=marker.id)
                                                         for marker, values in self.steps])
            self.steps = []


def get_marker(session: Session, *, marker_id: int) -> Marker:
    """One marker by id, or NotFound."""
    marker = session.get(Marker, marker_id)
    if marker is None:
        raise NotFound(f"no marker {marker_id}")
    return marker


def _may_decide(session: Session, marker: Marker, agency_id: int | None) -> None:
    """Only an agency that may set a code may review or end it (the system itself may too)."""
    kind = _agency_kind(session, agency_id)
    if agency_id is not None and kind not in get_code(marker.code).may_set:
        raise Conflict(f"a {kind} agency may not review or end a {marker.code} marker; "
                       f"allowed: {', '.join(get_code(marker.code).may_set)}")


def review_marker(session: Session, *, marker_id: int, by: str, reason: str, agency_id: int | None = None,
                  at: datetime | None = None) -> Marker:
    """Record a review of an active marker: it stays, and the next review falls due."""
    _check_reason(reason)
    marker = get_marker(session, marker_id=marker_id)
    if marker.status != "active":
        raise Conflict(f"marker {marker_id} is {marker.status}: only an active marker is reviewed "
                       "(confirm a proposal by setting it, or end it)")
    _may_decide(session, marker, agency_id)
    at = at or utcnow()
    marker.last_reviewed_at = at
    marker.review_due_at = at + timedelta(days=get_code(marker.code).review_days)
    _history(session, marker, action="reviewed", at=at, by=by, reason=reason, agency_id=agency_id)
    session.flush()
    return marker


def end_marker(session: Session, *, marker_id: int, by: str, reason: str, agency_id: int | None = None,
               at: datetime | None = None) -> Marker:
    """End a marker (or reject a proposal) with the reason, keeping its whole history."""
    _check_reason(reason)
    marker = get_marker(session, marker_id=marker_id)
    if marker.status == "ended":
        raise Conflict(f"marker {marker_id} already ended")
    _may_decide(session, marker, agency_id)
    at = at or utcnow()
    marker.status, marker.ended_at, marker.end_reason, marker.review_due_at = "ended", at, reason, None
    _history(session, marker, action="ended", at=at, by=by, reason=reason, agency_id=agency_id)
    session.flush()
    return marker


def list_markers(session: Session, *, child_id: int, include_ended: bool = False) -> list[Marker]:
    """A child's markers, oldest first; ended ones only when asked."""
    query = select(Marker).where(Marker.child_id == child_id).order_by(Marker.id)
    if not include_ended:
        query = query.where(Marker.status.in_(OPEN))
    return list(session.scalars(query))


def active_codes(session: Session, *, child_id: int) -> set[str]:
    """The codes of the child's active markers (proposals do not count until confirmed)."""
    return set(session.scalars(select(Marker.code).where(Marker.child_id == child_id, Marker.status == "active")))


def active_codes_of(session: Session, *, child_ids: Sequence[int]) -> dict[int, set[str]]:
    """The active marker codes of many children at once (every child given has an entry)."""
    ids = sorted(set(child_ids))
    found: dict[int, set[str]] = {child_id: set() for child_id in ids}
    for start in range(0, len(ids), 1000):
        for child_id, code in session.execute(select(Marker.child_id, Marker.code).where(
                Marker.child_id.in_(ids[start:start + 1000]), Marker.status == "active")):
            found[child_id].add(code)
    return found


def history(session: Session, *, marker_id: int) -> list[MarkerHistory]:
    """Every step of a marker's life, oldest first."""
    get_marker(session, marker_id=marker_id)
    return list(session.scalars(select(MarkerHistory).where(MarkerHistory.marker_id == marker_id)
                                .order_by(MarkerHistory.id)))


def due_reviews(session: Session, *, now: datetime | None = None) -> list[Marker]:
    """Open markers whose review (or proposal decision) is due by now, most overdue first."""
    now = now or utcnow()
    return list(session.scalars(select(Marker).where(Marker.status.in_(OPEN), Marker.review_due_at <= now)
                                .order_by(Marker.review_due_at, Marker.id)))


def markers_markdown() -> str:
    """docs/markers.md: the national marker list, generated from the shipped code list."""
    lines = ["# Markers", "", "Generated from `src/reachable/markers/data/codes.yaml` by `reachable rules docs`; "
             "do not edit by hand.", "",
             "A marker is a coded, reviewed statement on a child's record, shared across agencies. An agency whose "
             "kind is listed under *may set* sets it directly; anyone else (and a rule acting on another agency's "
             "event) only **proposes** it, and the proposal must be confirmed or rejected within "
             f"{PROPOSAL_REVIEW_DAYS} days. Each step (proposed, set, confirmed, supported, reviewed, ended) is kept "
             "in the marker's history with who, when, why and the evidence events. Overdue reviews become tasks "
             "(rule `review.marker-due`).", "",
             "| code | label | may set | review every | CIN factors |", "|---|---|---|---|---|"]
    for code in marker_codes().values():
        lines.append(f"| `{code.code}` | {code.label} | {', '.join(code.may_set)} | {code.review_days} days | "
                     f"{', '.join(code.cin_factors) or '—'} |")
    for code in marker_codes().values():
        lines += ["", f"## `{code.code}` — {code.label}", "", f"**Definition.** {code.definition}", "",
                  f"**Who may set it.** {', '.join(code.may_set)} (others propose).", "",
                  f"**Review.** Every {code.review_days} days.", "", f"**Ending.** {code.ending}"]
        if code.cin_factors:
            lines += ["", f"**CIN census factors.** {', '.join(code.cin_factors)} recorded by a children's social "
                          "care assessment set this marker (or support it if already set)."]
    return "\n".join(lines) + "\n"
