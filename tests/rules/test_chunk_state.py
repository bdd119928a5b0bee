"""Reading a whole chunk's child states at once gives what reading each child on its own gives."""

from __future__ import annotations

from sqlalchemy.orm import Session

from reachable.markers import service as markers
from reachable.records.kinds import EventKind
from reachable.rules import service as rules
from reachable.rules.facts import load_child, load_children
from reachable.rules.models import RuleFiring
from tests.rules.helpers import ago, child_event, ingest


def test_load_children_matches_load_child(session: Session) -> None:
    first = ingest(session, child_event(EventKind.MISSING_REPORTED, key="m1", at=ago(3), payload={"episode_ref": "E1"}),
                   child_event(EventKind.ARREST, key="a1", at=ago(2)),
                   child_event(EventKind.LOOKED_AFTER_START, key="l1", at=ago(5), agency="CSC-E08000025"),
                   child_event(EventKind.ARREST, key="a2", at=ago(1), pid="P2", dob="2010-01-01"))
    children = sorted(set(first.child_ids))
    markers.set_marker(session, child_id=children[0], code="cce_risk", by="test", reason="assessed at risk")
    kinds = rules.registry().history_kinds
    together = load_children(session, child_ids=children, kinds=kinds)
    for child_id in children:
        alone = load_child(session, child_id=child_id, kinds=kinds)
        batch = together[child_id]
        assert (batch.reference, batch.dob, batch.sex, batch.home_area_code) == (
            alone.reference, alone.dob, alone.sex, alone.home_area_code)
        assert sorted(batch.record_ids) == sorted(alone.record_ids)
        assert [item.id for item in batch.history] == [item.id for item in alone.history]
        assert batch._markers is None  # not consulted yet: a firing's facts still say so
        assert batch.marker_codes == alone.marker_codes
        batch.forget_markers()
        assert batch.known_markers is None and batch.marker_codes == alone.marker_codes


def test_repeat_ingest_recognises_earlier_firings_read_ahead(session: Session) -> None:
    ingest(session, child_event(EventKind.ARREST, key="a1", at=ago(2), payload={"offence_category": "pwits_class_a"}))
    before = session.query(RuleFiring).count()
    assert before > 0
    # The same incident reported again later (another key, same time): dedupe against the firings read ahead.
    again = child_event(EventKind.ARREST, key="a1-copy", at=ago(2), payload={"offence_category": "pwits_class_a"})
    ingest(session, again)
    assert session.query(RuleFiring).count() == before
    firing = session.query(RuleFiring).order_by(RuleFiring.id).first()
    assert firing is not None and len(firing.evidence_event_ids["ids"]) == 2
