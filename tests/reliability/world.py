"""A small seeded store for reliability tests and benchmarks: demo users, agency tokens, children with events."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from reachable import pipeline
from reachable.access import service as access
from reachable.areas import service as areas
from reachable.records.kinds import EventKind
from tests.factories import SAMPLE_PAYLOADS, event, person

AREA = "E08000025"  # Birmingham, policed by West Midlands Police
POLICE = "POL-E23000014"


@dataclass
class Seeded:
    """What the seed created: demo users by role (username, password, TOTP secret), tokens by purpose, children."""

    users: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    user_ids: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    children: list[int] = field(default_factory=list)


def seed(session: Session, *, children: int = 3) -> Seeded:
    """Demo users of every role in one area, a token per purpose for the police and children with every kind."""
    seeded = Seeded()
    for username, password, secret in access.create_demo_users(session, area_codes=[AREA]):
        user = access.find_user(session, username=username)
        seeded.users[user.role] = (username, password, secret)
        seeded.user_ids[user.role] = user.id
    agency = areas.ensure_agency(session, code=POLICE)
    for purpose in access.PURPOSES:
        seeded.tokens[purpose] = access.create_token(session, agency_id=agency.id, name=f"seed {purpose}",
                                                     purpose=purpose)
    start = datetime(2025, 1, 6, 2, 0, tzinfo=UTC)
    for n in range(children):
        who = person(agency_person_id=f"R{n}", first_name=f"Reli{n}", police_person_id=None)
        batch = [event(kind, agency=POLICE, agency_key=f"R{n}-{kind.value}", person=who,
                       occurred_at=start + timedelta(days=n, hours=i))
                 for i, kind in enumerate(EventKind) if kind in SAMPLE_PAYLOADS]
        outcome = pipeline.ingest(session, events=batch, actor=access.SYSTEM)
        seeded.children.extend(sorted(set(outcome.child_ids) - set(seeded.children)))
    return seeded
