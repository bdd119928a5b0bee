"""The audit chain detects any change or gap."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from reachable.access import service as access


def test_chain_verifies_and_detects_a_one_byte_change(session: Session) -> None:
    for n in range(5):
        access.record(session, actor=access.SYSTEM, action="view", object_type="child", object_id=n,
                      justification="test")
    session.commit()
    assert access.verify_chain(session) == []
    session.execute(text("UPDATE audit_events SET justification = 'tesT' WHERE id = 3"))
    session.commit()
    session.expire_all()
    problems = access.verify_chain(session)
    assert problems == ["audit row 3: content does not match its hash (the row was changed)"]


def test_chain_detects_a_removed_row(session: Session) -> None:
    for n in range(3):
        access.record(session, actor=access.SYSTEM, action="view", object_type="child", object_id=n)
    session.commit()
    session.execute(text("DELETE FROM audit_events WHERE id = 2"))
    session.commit()
    session.expire_all()
    assert access.verify_chain(session) == ["audit row 3: does not follow row 1 (a row was removed or reordered)"]
