"""The network's public face: who may see what, analysts' edits with reasons, sharing decisions, building.

Need to know: police intelligence lives in the police compartment and is invisible to every other agency
unless a police user records a sharing decision (who, with whom, why) for it. Every edit and sharing
decision is audited through `access.record` and stores its reason on the row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, or_, select, true
from sqlalchemy.orm import Session

from reachable.access import service as access
from reachable.areas import service as areas
from reachable.common.dates import utcnow
from reachable.common.errors import Conflict, InputRejected, NotFound
from reachable.common.text import is_digits
from reachable.network.build import BuildResult, BulkIO, build_for_events, rebuild
from reachable.network.derive import PLACE_TYPES, POLICE, SHARED, link_key
from reachable.network.models import NetworkEntity, NetworkLink, NetworkSharingDecision
from reachable.network.schemas import LinkIn, LinkOut, LinkUpdate, SharingIn, SharingOut, problem

__all__ = ["BuildResult", "BulkIO", "Viewer", "build_for_events", "rebuild"]
ENTITY_KINDS = ("child", "adult", "place", "line", "vehicle", "group")
LINK_STATUSES = ("active", "removed", "lapsed")


@dataclass(frozen=True)
class Viewer:
    """Whose view of the network a query returns: their agency, and whether it is a police force."""

    name: str
    agency: str | None
    police: bool

    @property
    def label(self) -> str:
        """How the viewer appears in audit rows."""
        return f"{self.name} ({self.agency or 'no agency'})"


def viewer_for(session: Session, *, actor: access.Actor) -> Viewer:
    """The viewer an actor acts as: a police agency sees the police compartment, others the shared view."""
    agency = areas.agencies_by_id(session, ids={actor.agency_id}).get(actor.agency_id) if actor.agency_id else None
    code = agency.code if agency else None
    return Viewer(name=actor.name, agency=code, police=bool(code and code.startswith("POL-")))


def viewer_for_agency(session: Session, *, name: str, agency_code: str | None) -> Viewer:
    """A viewer acting for an agency named by code (CLI use); unknown codes are refused."""
    if agency_code is None:
        return Viewer(name=name, agency=None, police=False)
    agency = areas.get_agency(session, code=agency_code)
    return Viewer(name=name, agency=agency.code, police=agency.code.startswith("POL-"))


def link_visible(viewer: Viewer) -> ColumnElement[bool]:
    """SQL condition: the link is active and the viewer may see it (shared, police viewer, or shared by decision)."""
    if viewer.police:
        compartment: ColumnElement[bool] = true()
    else:
        recipients = ["*"] + ([viewer.agency] if viewer.agency else [])
        decided = exists().where(NetworkSharingDecision.link_id == NetworkLink.id,
                                 NetworkSharingDecision.ended_at.is_(None),
                                 NetworkSharingDecision.shared_with.in_(recipients))
        compartment = or_(NetworkLink.compartment == SHARED, decided)
    return and_(NetworkLink.status == "active", compartment)


def entity_visible(session: Session, *, viewer: Viewer, entity: NetworkEntity) -> bool:
    """Whether the viewer may know the entity exists: shared, police viewer, or on a link they may see."""
    if viewer.police or entity.compartment == SHARED:
        return True
    touching = or_(NetworkLink.source_id == entity.id, NetworkLink.target_id == entity.id)
    return session.scalar(select(NetworkLink.id).where(touching, link_visible(viewer)).limit(1)) is not None


def find_entity(session: Session, *, viewer: Viewer, ref: str | int) -> NetworkEntity:
    """An entity by id or key that the viewer may see; NotFound otherwise (existence is not disclosed)."""
    entity = (session.get(NetworkEntity, int(ref)) if isinstance(ref, int) or is_digits(str(ref))
              else session.scalar(select(NetworkEntity).where(NetworkEntity.key == str(ref))))
    if entity is None or not entity_visible(session, viewer=viewer, entity=entity):
        raise NotFound(f"no network entity {ref}")
    return entity


def get_link(session: Session, *, viewer: Viewer, link_id: int) -> NetworkLink:
    """One link the viewer may see (any status for police), or NotFound."""
    link = session.get(NetworkLink, link_id)
    if link is None:
        raise NotFound(f"no network link {link_id}")
    visible = viewer.police or link.compartment == SHARED or _shared_with(session, link_id=link.id, viewer=viewer)
    if not visible:
        raise NotFound(f"no network link {link_id}")
    return link


def _shared_with(session: Session, *, link_id: int, viewer: Viewer) -> bool:
    """Whether a live sharing decision lets this viewer see the link."""
    recipients = ["*"] + ([viewer.agency] if viewer.agency else [])
    return session.scalar(select(NetworkSharingDecision.id).where(
        NetworkSharingDecision.link_id == link_id, NetworkSharingDecision.ended_at.is_(None),
        NetworkSharingDecision.shared_with.in_(recipients)).limit(1)) is not None


def link_out(session: Session, link: NetworkLink) -> LinkOut:
    """A link with its endpoints' kinds and labels."""
    ends = {e.id: e for e in session.scalars(select(NetworkEntity).where(
        NetworkEntity.id.in_([link.source_id, link.target_id])))}
    return LinkOut.from_link(link, ends[link.source_id], ends[link.target_id])


def _require_reason(reason: str) -> str:
    """Analysts' decisions carry a reason; a blank one is refused."""
    if not reason or len(reason.strip()) < 5:
        raise InputRejected([problem("reason", "a reason of at least 5 characters is required")])
    return reason.strip()


def create_link(session: Session, *, viewer: Viewer, data: LinkIn) -> NetworkLink:
    """An analyst's link between two entities (created if new), with basis, grading and reason; audited."""
    reason = _require_reason(data.reason)
    if data.basis == "intelligence" and data.compartment == SHARED and viewer.police:
        raise InputRejected([problem("compartment", "police intelligence goes in the police compartment; "
                                                    "share it afterwards with a recorded sharing decision")])
    if data.compartment == POLICE and not viewer.police:
        raise InputRejected([problem("compartment", "only a police force may write to the police compartment")])
    ends = [_ensure_entity(session, viewer=viewer, ref=ref, kind=kind, label=label, place_type=place_type,
                           compartment=data.compartment)
            for ref, kind, label, place_type in ((data.source, data.source_kind, data.source_label, None),
                                                 (data.target, data.target_kind, data.target_label,
                                                  data.target_place_type))]
    now = utcnow()
    source_role = "child_at_risk" if ends[0].kind == "child" else data.source_role
    target_role = "child_at_risk" if ends[1].kind == "child" else data.target_role
    key = link_key(data.kind, ends[0].key, ends[1].key, data.compartment) + f"|analyst:{now.timestamp()}"
    link = NetworkLink(source_id=ends[0].id, target_id=ends[1].id, kind=data.kind, source_role=source_role,
                       target_role=target_role, first_seen_at=data.first_seen_at or now,
                       last_seen_at=data.last_seen_at or data.first_seen_at or now, basis=data.basis,
                       grading=data.grading, confidence=data.confidence, compartment=data.compartment,
                       source_event_ids={"ids": data.event_ids}, reason=reason, link_key=key[:255],
                       origin="analyst", status="active", created_at=now, updated_at=now, updated_by=viewer.name)
    session.add(link)
    session.flush()
    access.record(session, actor=access.Actor(name=viewer.name), action="change", object_type="network_link",
                  object_id=link.id, child_id=ends[0].child_id or ends[1].child_id,
                  fields={"op": "create", "kind": data.kind, "source": ends[0].key, "target": ends[1].key,
                          "basis": data.basis, "compartment": data.compartment}, justification=reason)
    return link


def _ensure_entity(session: Session, *, viewer: Viewer, ref: str, kind: str | None, label: str | None,
                   place_type: str | None, compartment: str) -> NetworkEntity:
    """An existing entity (by id or key), or a new one of the given kind (an analyst's new adult, place...)."""
    try:
        return find_entity(session, viewer=viewer, ref=ref)
    except NotFound:
        if kind is None:
            raise
    if kind not in ENTITY_KINDS or kind == "child":
        raise InputRejected([problem("kind", f"new entities must be one of {ENTITY_KINDS[1:]}; "
                                             "children enter the network through their records")])
    if place_type is not None and place_type not in PLACE_TYPES:
        raise InputRejected([problem("place_type", f"must be one of {', '.join(PLACE_TYPES)}", place_type)])
    key = ref if ref.startswith(f"{kind}:") else f"{kind}:{ref}"
    entity = NetworkEntity(kind=kind, key=key, label=label or ref, place_type=place_type, compartment=compartment,
                           attributes={"created_by": viewer.name}, created_at=utcnow())
    session.add(entity)
    session.flush()
    return entity


def update_link(session: Session, *, viewer: Viewer, link_id: int, data: LinkUpdate) -> NetworkLink:
    """An analyst's change to a link (remove, restore, re-grade, re-date), with the reason; audited."""
    reason = _require_reason(data.reason)
    link = get_link(session, viewer=viewer, link_id=link_id)
    if link.compartment == POLICE and not viewer.police:
        raise NotFound(f"no network link {link_id}")
    changes: dict[str, Any] = {}
    for name in ("status", "grading", "confidence", "first_seen_at", "last_seen_at", "kind"):
        value = getattr(data, name)
        if value is not None and value != getattr(link, name):
            changes[name] = [_plain(getattr(link, name)), _plain(value)]
            setattr(link, name, value)
    if not changes:
        raise Conflict("nothing to change")
    link.reason = f"{reason} (was: {link.reason})" if link.reason else reason
    link.updated_at = utcnow()
    link.updated_by = viewer.name
    ends = session.scalars(select(NetworkEntity.child_id).where(
        NetworkEntity.id.in_([link.source_id, link.target_id]), NetworkEntity.child_id.is_not(None))).first()
    access.record(session, actor=access.Actor(name=viewer.name), action="change", object_type="network_link",
                  object_id=link.id, child_id=ends, fields={"op": "update", "changes": changes},
                  justification=reason)
    return link


def _plain(value: object) -> object:
    """A JSON-able form of a changed value, for the audit row."""
    return value.isoformat() if isinstance(value, datetime) else value


def share(session: Session, *, viewer: Viewer, data: SharingIn) -> list[SharingOut]:
    """Record a police decision to share intelligence (one link, or every police link of an entity); audited."""
    if not viewer.police or viewer.agency is None:
        raise InputRejected([problem("viewer", "only a police force may share police-compartment intelligence")])
    reason = _require_reason(data.reason)
    if data.shared_with != "*":
        areas.get_agency(session, code=data.shared_with)
    if (data.link_id is None) == (data.entity_id is None):
        raise InputRejected([problem("link_id", "give exactly one of link_id or entity_id")])
    if data.link_id is not None:
        links = [get_link(session, viewer=viewer, link_id=data.link_id)]
    else:
        entity = find_entity(session, viewer=viewer, ref=int(data.entity_id or 0))
        links = list(session.scalars(select(NetworkLink).where(
            or_(NetworkLink.source_id == entity.id, NetworkLink.target_id == entity.id),
            NetworkLink.compartment == POLICE, NetworkLink.status == "active")))
    now = utcnow()
    rows = [NetworkSharingDecision(link_id=link.id, entity_id=data.entity_id, shared_with=data.shared_with,
                                   purpose=data.purpose, reason=reason, decided_by=viewer.name,
                                   decided_by_agency=viewer.agency, decided_at=now)
            for link in links if link.compartment == POLICE]
    if not rows:
        raise Conflict("nothing to share: the link is already shared or the entity has no police links")
    session.add_all(rows)
    session.flush()
    access.record(session, actor=access.Actor(name=viewer.name), action="disclose", object_type="network_intel",
                  object_id=",".join(str(r.link_id) for r in rows)[:200], recipient=data.shared_with,
                  fields={"links": len(rows), "purpose": data.purpose, "entity_id": data.entity_id},
                  justification=reason)
    return [SharingOut.model_validate(row) for row in rows]


def end_sharing(session: Session, *, viewer: Viewer, decision_id: int, reason: str) -> SharingOut:
    """End a sharing decision (the intelligence returns to the police compartment); audited."""
    reason = _require_reason(reason)
    row = session.get(NetworkSharingDecision, decision_id)
    if row is None or not viewer.police:
        raise NotFound(f"no sharing decision {decision_id}")
    if row.ended_at is not None:
        raise Conflict(f"sharing decision {decision_id} already ended")
    row.ended_at, row.end_reason = utcnow(), reason
    access.record(session, actor=access.Actor(name=viewer.name), action="change", object_type="network_sharing",
                  object_id=row.id, fields={"op": "end", "shared_with": row.shared_with}, justification=reason)
    return SharingOut.model_validate(row)


def list_sharing(session: Session, *, viewer: Viewer, link_id: int | None = None) -> list[SharingOut]:
    """Sharing decisions (police only), newest first."""
    if not viewer.police:
        return []
    query = select(NetworkSharingDecision).order_by(NetworkSharingDecision.id.desc())
    if link_id is not None:
        query = query.where(NetworkSharingDecision.link_id == link_id)
    return [SharingOut.model_validate(row) for row in session.scalars(query.limit(1000))]

