"""The transaction memo: agencies read once per transaction, and nothing kept past a commit or a rollback."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from reachable.areas import service as areas
from reachable.db.uow import memo


@contextmanager
def _counted(session: Session) -> Iterator[list[str]]:
    """The SQL statements the session runs inside the block."""
    seen: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        seen.append(statement)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_an_agency_is_read_once_per_transaction(session: Session) -> None:
    agency = areas.ensure_agency(session, code="POL-E23000014")
    agency_id = agency.id
    del agency  # the identity map holds objects weakly: only the memo can keep it
    with _counted(session) as seen:
        assert areas.agencies_by_id(session, ids={agency_id})[agency_id].code == "POL-E23000014"
        assert areas.agencies_by_code(session, codes={"POL-E23000014"})["POL-E23000014"].id == agency_id
        assert areas.ensure_agency(session, code="POL-E23000014").id == agency_id
    assert seen == []


def test_the_memo_ends_with_the_transaction(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        areas.ensure_agency(session, code="CSC-E08000025")
        assert memo(session, "areas.agencies")
        session.commit()
        assert memo(session, "areas.agencies") == {}
        areas.ensure_agency(session, code="HLT-E08000025")
        session.rollback()  # the agency this transaction registered is gone: the memo must not offer it
        assert memo(session, "areas.agencies") == {}
        assert "HLT-E08000025" not in areas.agencies_by_code(session, codes={"HLT-E08000025"})


def test_only_known_area_codes_are_returned(session: Session) -> None:
    assert areas.known_area_codes(session, {"E08000025", "X99999999", ""}) == {"E08000025"}
    assert areas.known_area_codes(session, set()) == set()


def test_a_known_area_code_is_checked_once_per_process(session: Session) -> None:
    areas.known_area_codes(session, {"E08000025"})
    with _counted(session) as seen:
        assert areas.known_area_codes(session, {"E08000025"}) == {"E08000025"}
        assert areas.known_area_codes(session, {"E08000025", "X99999999"}) == {"E08000025"}
    # Only the unknown code is asked about (it may be loaded later); SQLite may also begin the transaction here.
    assert [statement for statement in seen if "areas" in statement] == [seen[-1]]
    assert "IN (" in seen[-1]
