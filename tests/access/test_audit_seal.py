"""Sealing: audit rows are appended without a lock and linked into the hash chain after commit; tampering with
sealed rows (change, deletion, insertion, reordering) is detected, and concurrent appends keep every row."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from reachable.access import service as access
from reachable.access.models import AuditCheckpoint, AuditEvent, UserSession
from reachable.db.engine import make_engine
from reachable.db.registry import metadata
from reachable.db.uow import session_factory, unit_of_work
from tests.access.world import World
from tests.conftest import _drop_database, fresh_store_url


def _append(session: Session, count: int, start: int = 0) -> None:
    for n in range(start, start + count):
        access.record(session, actor=access.SYSTEM, action="view", object_type="child", object_id=n,
                      justification=f"test {n}")


def _chain(session: Session) -> list[tuple[int, int | None, str]]:
    session.expire_all()
    return [(row.id, row.chain_seq, row.hash) for row in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_rows_are_sealed_when_their_unit_of_work_commits(sessions: sessionmaker[Session]) -> None:
    with unit_of_work(sessions) as session:
        _append(session, 4)
    with sessions() as session:
        chain = _chain(session)
        assert [seq for _, seq, _ in chain] == [1, 2, 3, 4]
        assert all(len(digest) == 64 for _, _, digest in chain)
        assert access.verify_chain(session) == []


def test_a_changed_sealed_row_is_detected(session: Session) -> None:
    _append(session, 4)
    session.commit()
    session.execute(text("UPDATE audit_events SET object_id = '99' WHERE id = 2"))
    session.commit()
    session.expire_all()
    assert access.verify_chain(session) == ["audit row 2: content does not match its hash (the row was changed)"]


def test_a_deleted_sealed_row_is_detected(session: Session) -> None:
    _append(session, 4)
    session.commit()
    session.execute(text("DELETE FROM audit_events WHERE id = 3"))
    session.commit()
    session.expire_all()
    assert access.verify_chain(session) == ["audit row 4: does not follow row 2 (a row was removed or reordered)"]


def test_a_row_inserted_into_the_sealed_chain_is_detected(session: Session) -> None:
    _append(session, 4)
    session.commit()
    forged = session.scalar(select(AuditEvent).where(AuditEvent.id == 2))
    assert forged is not None
    # A forger makes room after row 2 and inserts a row that correctly follows it, with a correct hash of its own.
    session.execute(text("UPDATE audit_events SET chain_seq = chain_seq + 10 WHERE chain_seq >= 3"))
    row = AuditEvent(at=forged.at, actor="user:forger", action="view", object_type="child", object_id="7",
                     fields={}, prev_hash=forged.hash, hash="", chain_seq=3)
    row.hash = access.audit_digest(row)
    session.add(row)
    session.commit()
    session.expire_all()
    assert access.verify_chain(session) == ["audit row 3: does not follow row 5 (a row was removed or reordered)"]


def test_reordered_sealed_rows_are_detected(session: Session) -> None:
    _append(session, 4)
    session.commit()
    session.execute(text("UPDATE audit_events SET chain_seq = -chain_seq WHERE id IN (2, 3)"))
    session.execute(text("UPDATE audit_events SET chain_seq = 5 + chain_seq WHERE id IN (2, 3)"))  # 2 <-> 3
    session.commit()
    session.expire_all()
    assert access.verify_chain(session)


def test_a_cut_off_end_is_detected_by_a_checkpoint(session: Session) -> None:
    _append(session, 3)
    session.commit()
    mark = access.checkpoint(session)
    session.commit()
    assert mark is not None and mark.last_id == 3
    session.execute(text("DELETE FROM audit_events WHERE id = 3"))
    session.commit()
    session.expire_all()
    problems = access.verify_chain(session)
    assert len(problems) == 1 and problems[0].startswith("checkpoint 1: row 3 is missing or changed")


def test_rows_committed_out_of_id_order_are_all_sealed(backend: str, tmp_path: Path) -> None:
    """PostgreSQL: a row with a lower id can commit after a higher one was sealed; it joins the chain later."""
    url = fresh_store_url(backend, tmp_path, "seal_order")
    engine = make_engine(url)
    metadata().create_all(engine)
    factory = session_factory(engine)
    try:
        if backend == "postgresql":
            early = factory()
            _append(early, 1)  # takes id 1, not yet committed
            with unit_of_work(factory) as late:
                _append(late, 1)  # id 2: committed and sealed first
            early.commit()
            early.close()
        else:  # SQLite runs one writer at a time: commit order is id order
            for _ in range(2):
                with unit_of_work(factory) as session:
                    _append(session, 1)
        with factory() as session:
            chain = _chain(session)
            assert sorted(seq for _, seq, _ in chain if seq is not None) == [1, 2]
            if backend == "postgresql":
                assert chain[0][1] == 2 and chain[1][1] == 1  # sealed in commit order, not id order
            assert access.verify_chain(session) == []
    finally:
        engine.dispose()
        if backend == "postgresql":
            _drop_database(url)


def test_concurrent_appends_keep_every_row(backend: str, tmp_path: Path) -> None:
    """Eight threads append 30 rows each in their own units of work: all 240 are in one intact chain."""
    url = fresh_store_url(backend, tmp_path, "seal_concurrent")
    engine = make_engine(url)
    metadata().create_all(engine)
    factory = session_factory(engine)
    start = threading.Barrier(8)
    failures: list[BaseException] = []

    def worker(number: int) -> None:
        try:
            start.wait()
            for batch in range(10):
                with unit_of_work(factory) as session:
                    _append(session, 3, start=number * 1000 + batch * 3)
        except BaseException as error:  # reported below: a thread's exception would otherwise vanish
            failures.append(error)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert failures == []
        with factory() as session:
            assert session.scalar(select(func.count()).select_from(AuditEvent)) == 240
            assert access.verify_chain(session) == []
            session.commit()
            seqs = sorted(seq for _, seq, _ in _chain(session))
            assert seqs == list(range(1, 241))
            objects = {row.object_id for row in session.scalars(select(AuditEvent))}
            assert objects == {str(n * 1000 + k) for n in range(8) for k in range(30)}
    finally:
        engine.dispose()
        if backend == "postgresql":
            _drop_database(url)


def _signed_in(sessions: sessionmaker[Session], world: World, role: str) -> dict[str, str]:
    with sessions() as session:
        token = access.start_session(session, user=access.get_user(session, user_id=world.users[role])).token
        session.commit()
    return {"Authorization": f"Bearer {token}"}


def test_a_read_leaves_exactly_one_sealed_audit_row_and_moves_the_idle_clock(
        client: TestClient, world: World, sessions: sessionmaker[Session]) -> None:
    """On SQLite a GET reads first and writes its audit row and idle clock at the end; on both, one sealed row."""
    headers = _signed_in(sessions, world, "social_worker")
    child = world.children["own_area"]
    with sessions() as session:
        before = session.scalar(select(func.max(AuditEvent.id))) or 0
        # The idle clock moves at most once a minute (access.sessions.TOUCH_EVERY): make the last request older.
        for row in session.scalars(select(UserSession)):
            row.last_seen_at -= timedelta(minutes=2)
        session.commit()
        seen = session.scalar(select(func.max(UserSession.last_seen_at)))
    assert client.get(f"/api/v1/children/{child}", headers=headers).status_code == 200
    with sessions() as session:
        rows = list(session.scalars(select(AuditEvent).where(AuditEvent.id > before)))
        assert [(row.action, row.child_id) for row in rows] == [("view", child)]
        assert rows[0].chain_seq is not None and len(rows[0].hash) == 64
        assert (session.scalar(select(func.max(UserSession.last_seen_at))) or seen) > seen
        assert access.verify_chain(session) == []


def test_a_read_that_must_write_is_rerun_as_a_writer(client: TestClient, world: World,
                                                    sessions: sessionmaker[Session]) -> None:
    """GET /audit/verify records a checkpoint, a write no read-first request may make: it is re-run, once."""
    headers = _signed_in(sessions, world, "administrator")
    response = client.get("/api/v1/audit/verify", headers=headers)
    assert response.status_code == 200 and response.json()["intact"] is True
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(AuditCheckpoint)) == 1
        views = session.scalars(select(AuditEvent).where(AuditEvent.object_type == "audit.read")).all()
        assert len(views) == 1  # the first, abandoned run wrote nothing


def test_a_background_sealer_seals_committed_rows_in_batches(engine: Engine,
                                                             sessions: sessionmaker[Session]) -> None:
    """A server worker's sealer (PostgreSQL) links rows soon after their commit; on SQLite rows are sealed in
    their own transaction, so there is nothing left for it to do."""
    with access.BackgroundSealer(engine):
        for batch in range(5):
            with unit_of_work(sessions) as session:
                _append(session, 3, start=batch * 3)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with sessions() as session:
                if session.scalar(select(func.count()).select_from(AuditEvent)
                                  .where(AuditEvent.chain_seq.is_(None))) == 0:
                    break
            time.sleep(0.05)
    with sessions() as session:
        assert sorted(seq for _, seq, _ in _chain(session)) == list(range(1, 16))
        assert access.verify_chain(session) == []
