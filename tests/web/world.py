"""A small world for the web tests: a social worker who can sign in, a child with events, a task, a marker,
a risk history, a network neighbourhood and an identity review pair; a data analyst, and missing children in
Coventry whose Counting Lives figures are known (for the dashboard)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from reachable import pipeline
from reachable.access import service as access
from reachable.areas import service as areas
from reachable.common.dates import utcnow
from reachable.identity.models import Child, ReviewItem
from reachable.markers.models import Marker, MarkerHistory
from reachable.records.kinds import EventKind
from reachable.records.service import SourceRecord
from reachable.risk.models import RiskAssessment
from reachable.tasks.models import Task
from tests.factories import SAMPLE_PAYLOADS, event, person

AREA = "E08000025"  # Birmingham
COVENTRY = "E08000026"
CSC = f"CSC-{AREA}"
PASSWORD = "a-long-test-passphrase-42"


@dataclass
class WebWorld:
    """What the tests refer to."""

    username: str
    totp_secret: str
    child_ref: str
    child_id: int
    task_id: int
    review_id: int
    analyst_username: str
    analyst_secret: str


# The dashboard's known answer: in Coventry in 2024/25, 6 girls went missing from care, twice each.
MISSING_GIRLS, EPISODES_EACH = 6, 2


def _missing_in_coventry(session: Session) -> None:
    """Six girls missing from care in Coventry, two episodes each, in financial year 2024/25 (links only)."""
    batch = []
    for n in range(MISSING_GIRLS):
        who = person(agency_person_id=f"COV-{n}", first_name=f"Girl{chr(65 + n)}", last_name="Coventrychild",
                     dob=date(2010, 1, 1 + n), sex="F", upn=None, postcode="cv1 1aa", home_area_code=COVENTRY)
        for episode in range(EPISODES_EACH):
            ref = f"COV-{n}-{episode}"
            batch.append(event(EventKind.MISSING_REPORTED, agency="POL-E23000014", agency_key=ref,
                               occurred_at=datetime(2024, 6 + episode * 3, 1 + n, 20, 0, tzinfo=UTC),
                               area_code=COVENTRY, person=who,
                               payload={"episode_ref": ref, "from_care": True, "missing_type": "M"}))
    pipeline.ingest(session, events=batch, actor=access.SYSTEM, stages=[pipeline.link_stage])


def build(session: Session, *, events: int = 30) -> WebWorld:
    """Create the world in the caller's unit of work."""
    areas.ensure_agency(session, code=CSC)
    user, secret = access.create_user(session, username="sam.worker", display_name="Sam Worker", agency_code=CSC,
                                      role="social_worker", password=PASSWORD, actor=access.SYSTEM)
    analyst, analyst_secret = access.create_user(session, username="dana.analyst", display_name="Dana Analyst",
                                                 agency_code=CSC, role="data_analyst", password=PASSWORD,
                                                 actor=access.SYSTEM)
    _missing_in_coventry(session)
    kinds = [EventKind.MISSING_REPORTED, EventKind.MISSING_FOUND, EventKind.STOP_SEARCH, EventKind.ARREST,
             EventKind.SCHOOL_EXCLUSION, EventKind.CONCERN_RAISED, EventKind.HEALTH_ATTENDANCE]
    start = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
    batch = [event(kind, agency="POL-E23000014" if kind in (EventKind.STOP_SEARCH, EventKind.ARREST) else CSC,
                   agency_key=f"web-{n}", occurred_at=start + timedelta(days=n), payload=SAMPLE_PAYLOADS[kind],
                   person=person(agency_person_id="WEB-1", first_name="Jayden", last_name="Smith",
                                 home_area_code=AREA))
             for n, kind in ((n, kinds[n % len(kinds)]) for n in range(events))]
    other = event(EventKind.REFERRAL, agency="EDU-E08000025", agency_key="web-other",
                  person=person(agency_person_id="EDU-9", first_name="Jaden", last_name="Smyth", upn=None,
                                home_area_code=AREA))
    outcome = pipeline.ingest(session, events=[*batch, other], actor=access.SYSTEM)
    child_id = outcome.child_ids[0]
    child = session.get(Child, child_id)
    assert child is not None
    now = utcnow()
    agency = areas.get_agency(session, code=CSC)
    task = Task(child_id=child_id, kind="task", title="Offer a return home interview", detail="Missing episode ended",
                owner_agency_id=agency.id, owner_area_code=AREA, due_at=now - timedelta(hours=5), status="open",
                evidence={}, created_at=now - timedelta(days=3))
    marker = Marker(child_id=child_id, code="cce_risk", status="active", set_by="user:sam.worker",
                    set_by_agency_id=agency.id, set_at=now - timedelta(days=40), reason="24A at assessment",
                    review_due_at=now - timedelta(days=1))
    session.add_all([task, marker])
    session.flush()
    session.add(MarkerHistory(marker_id=marker.id, action="set", at=marker.set_at, by="user:sam.worker",
                              reason="24A at assessment"))
    for days, level in ((90, "low"), (40, "medium"), (5, "high")):
        session.add(RiskAssessment(child_id=child_id, assessed_at=now - timedelta(days=days), tool_version="t1",
                                   level=level, reason=f"screened {level}", assessor="user:sam.worker"))
    # The network comes from the pipeline's own network stage (found locations become places).
    a = session.query(SourceRecord).filter_by(agency_person_id="WEB-1", agency_id=agency.id).one()
    b = session.query(SourceRecord).filter_by(agency_person_id="EDU-9").one()
    item = ReviewItem(record_a_id=a.id, record_b_id=b.id, match_probability=0.82, match_weight=4.2,
                      model_version="test-model", status="open", created_at=now,
                      evidence={"steps": [{"comparison": "forename", "level": "similar spelling", "weight": 2.1},
                                          {"comparison": "dob", "level": "exact", "weight": 5.0}]})
    session.add(item)
    session.flush()
    return WebWorld(username=user.username, totp_secret=secret, child_ref=child.reference, child_id=child_id,
                    task_id=task.id, review_id=item.id, analyst_username=analyst.username,
                    analyst_secret=analyst_secret)
