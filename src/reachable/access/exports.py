"""Exports: formula-safe CSV, redaction by default, person exports under an agreement, bulk exports with a
second approver, and the subject access export."""

from __future__ import annotations

import csv
import io
from collections import Counter
from typing import Any

from sqlalchemy.orm import Session

from reachable.access.audit import Actor, list_for_child, record
from reachable.access.models import ExportRequest, SharingAgreement, User
from reachable.access.policy import Principal, Target, decide
from reachable.common.dates import utcnow
from reachable.common.errors import Conflict, FieldError, InputRejected, NotFound


def _identity() -> Any:
    """The identity service, imported on first use: identity audits through access, so a top-level import cycles."""
    from reachable.identity import service

    return service

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\0")
IDENTITY_FIELDS = ("name", "dob", "postcode")
# Payload keys that identify someone other than the child (adults, informants, referrers, places they use).
THIRD_PARTY_KEYS = frozenset({"subject_key", "subject_label", "detail", "referrer", "referrer_name",
                              "first_responder_person", "found_location", "offence_text", "provider"})
INTELLIGENCE_KINDS = frozenset({"intelligence_report"})
EXPORT_COLUMNS = ("child_reference", "name", "dob", "event_id", "kind", "occurred_at", "agency", "area_code",
                  "person_role", "basis", "details")


def safe_cell(value: object) -> str:
    """A CSV cell that a spreadsheet will not run as a formula (ASVS 1.2.10): risky starts get a quote."""
    text = "" if value is None else str(value)
    stripped = text.lstrip("".join(chr(c) for c in range(32)) + " ")
    if text and (text[0] in FORMULA_STARTS or ord(text[0]) < 32 or stripped[:1] in FORMULA_STARTS[:4]):
        return "'" + text
    return text


def to_csv(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> str:
    """RFC 4180 CSV with every cell made formula-safe."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([safe_cell(row.get(column)) for column in columns])
    return out.getvalue()


def child_rows(session: Session, *, principal: Principal, child_id: int, allowed: set[str],
               redacted: bool) -> list[dict[str, Any]]:
    """One child's chronology as export rows: identity and third-party fields only if unredacted and allowed."""
    child = _identity().get_child(session, child_id=child_id)
    show_intel = decide(session, user=principal, action="child.intelligence",
                        target=Target(child_id=child_id)).allowed
    base = {"child_reference": child.reference,
            "name": child.display_name if not redacted and "name" in allowed else "[redacted]",
            "dob": child.dob.isoformat() if child.dob and not redacted and "dob" in allowed else
            (str(child.dob.year) if child.dob else None)}
    rows = []
    for event in _identity().chronology(session, child_id=child_id):
        if event.kind in INTELLIGENCE_KINDS and not show_intel:
            continue
        payload = {key: ("[redacted]" if key in THIRD_PARTY_KEYS and (redacted or key not in allowed) else value)
                   for key, value in event.payload.items()}
        rows.append({**base, "event_id": event.id, "kind": event.kind, "occurred_at": event.occurred_at.isoformat(),
                     "agency": event.agency_code, "area_code": event.area_code, "person_role": event.person_role,
                     "basis": "intelligence" if event.kind in INTELLIGENCE_KINDS else "fact",
                     "details": "; ".join(f"{k}={v}" for k, v in sorted(payload.items()))})
    return rows


def _agreement(session: Session, agreement_id: int) -> SharingAgreement:
    agreement = session.get(SharingAgreement, agreement_id)
    if agreement is None:
        raise NotFound(f"no information sharing agreement {agreement_id}")
    return agreement


def export_child(session: Session, *, principal: Principal, actor: Actor, child_id: int, agreement_id: int,
                 recipient: str, justification: str, redacted: bool = True) -> str:
    """A person-level CSV for a named recipient under an agreement (already allowed by the policy); audited."""
    if len((justification or "").strip()) < 10 or not recipient.strip():
        raise InputRejected([FieldError("justification", "a recipient and a justification are required")])
    agreement = _agreement(session, agreement_id)
    allowed = set(agreement.allowed_fields.get("fields", []))
    rows = child_rows(session, principal=principal, child_id=child_id, allowed=allowed, redacted=redacted)
    session.add(ExportRequest(kind="person", requested_by_user_id=principal.id, agreement_id=agreement.id,
                              recipient=recipient, child_ids={"ids": [child_id]}, redacted=redacted,
                              justification=justification, status="delivered", created_at=utcnow(),
                              delivered_at=utcnow()))
    record(session, actor=actor, action="disclose", object_type="export", object_id=child_id, child_id=child_id,
           fields={"rows": len(rows), "redacted": redacted, "agreement": agreement.id,
                   "columns": list(EXPORT_COLUMNS)}, justification=justification, recipient=recipient)
    return to_csv(rows, EXPORT_COLUMNS)


def request_bulk_export(session: Session, *, principal: Principal, actor: Actor, child_ids: list[int],
                        agreement_id: int, recipient: str, justification: str) -> ExportRequest:
    """Ask for a bulk (always redacted) export; it waits for a second person to approve it."""
    agreement = _agreement(session, agreement_id)
    if principal.agency_id not in agreement.party_agency_ids.get("ids", []):
        raise InputRejected([FieldError("agreement_id", "your agency is not party to this agreement")])
    if not child_ids or len((justification or "").strip()) < 10:
        raise InputRejected([FieldError("child_ids", "children and a justification are required")])
    row = ExportRequest(kind="bulk", requested_by_user_id=principal.id, agreement_id=agreement.id,
                        recipient=recipient, child_ids={"ids": sorted(set(child_ids))}, redacted=True,
                        justification=justification, status="pending", created_at=utcnow())
    session.add(row)
    session.flush()
    record(session, actor=actor, action="change", object_type="export", object_id=row.id,
           fields={"children": len(row.child_ids["ids"]), "status": "pending"}, justification=justification,
           recipient=recipient)
    return row


def _request(session: Session, export_id: int, agency_id: int) -> ExportRequest:
    row = session.get(ExportRequest, export_id)
    owner = session.get(User, row.requested_by_user_id) if row else None
    if row is None or owner is None or owner.agency_id != agency_id:
        raise NotFound(f"no export {export_id}")
    return row


def approve_bulk_export(session: Session, *, principal: Principal, actor: Actor, export_id: int) -> ExportRequest:
    """A second person approves a bulk export; the requester can never approve their own."""
    row = _request(session, export_id, principal.agency_id)
    if row.requested_by_user_id == principal.id:
        raise Conflict("a bulk export needs a second approver: you cannot approve your own request")
    if row.status != "pending":
        raise Conflict(f"export {export_id} is {row.status}, not pending")
    row.status, row.approved_by_user_id, row.approved_at = "approved", principal.id, utcnow()
    record(session, actor=actor, action="change", object_type="export", object_id=row.id,
           fields={"status": "approved"}, justification=row.justification, recipient=row.recipient)
    return row


def download_bulk_export(session: Session, *, principal: Principal, actor: Actor, export_id: int) -> str:
    """The approved bulk export's CSV, for its requester: children they may see, redacted, each disclosure audited."""
    row = _request(session, export_id, principal.agency_id)
    if row.requested_by_user_id != principal.id:
        raise NotFound(f"no export {export_id}")
    if row.status not in ("approved", "delivered"):
        raise Conflict(f"export {export_id} is {row.status}: it needs a second approver first")
    agreement = _agreement(session, row.agreement_id)
    rows: list[dict[str, Any]] = []
    for child_id in row.child_ids.get("ids", []):
        if not decide(session, user=principal, action="child.view", target=Target(child_id=child_id)).allowed:
            continue  # erased, or no relationship: never exported
        child_rows_ = child_rows(session, principal=principal, child_id=child_id,
                                 allowed=set(agreement.allowed_fields.get("fields", [])), redacted=True)
        rows += child_rows_
        record(session, actor=actor, action="disclose", object_type="export", object_id=row.id, child_id=child_id,
               fields={"rows": len(child_rows_), "redacted": True, "agreement": agreement.id, "bulk": True},
               justification=row.justification, recipient=row.recipient)
    row.status, row.delivered_at = "delivered", utcnow()
    return to_csv(rows, EXPORT_COLUMNS)


def subject_access(session: Session, *, actor: Actor, child_id: int) -> dict[str, Any]:
    """Everything held about a child for a subject access request, third parties and intelligence withheld."""
    child = _identity().get_child(session, child_id=child_id)
    events, withheld = [], []
    for event in _identity().chronology(session, child_id=child_id):
        if event.kind in INTELLIGENCE_KINDS:
            withheld.append({"event_id": event.id, "reason": "DPA 2018 s45(4): police intelligence withheld to "
                                                             "avoid prejudicing the prevention of crime"})
            continue
        payload = {key: ("[third party withheld]" if key in THIRD_PARTY_KEYS else value)
                   for key, value in event.payload.items()}
        events.append({"id": event.id, "kind": event.kind, "occurred_at": event.occurred_at.isoformat(),
                       "agency": event.agency_name, "role": event.person_role, "payload": payload})
    log = list_for_child(session, child_id=child_id)
    recipients = [{"at": row.at.isoformat(), "recipient": row.recipient, "by_agency_id": row.actor_agency_id,
                   "what": row.object_type, "why": row.justification} for row in log if row.action == "disclose"]
    consulted = Counter(row.actor_agency_id for row in log if row.action == "view")
    record(session, actor=actor, action="disclose", object_type="subject_access", object_id=child_id,
           child_id=child_id, fields={"events": len(events), "withheld": len(withheld)},
           justification="subject access request (UK GDPR Art 15 / DPA 2018 s45)", recipient="data subject")
    return {"child": {"reference": child.reference, "name": child.display_name,
                      "dob": child.dob.isoformat() if child.dob else None, "home_area_code": child.home_area_code},
            "events": events, "withheld": withheld, "disclosures": recipients,
            "consultations_by_agency": {str(k): v for k, v in consulted.items()}}
