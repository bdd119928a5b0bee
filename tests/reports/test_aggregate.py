"""Aggregation of facts into cells: one pass rolled up when units add up, counted per breakdown when they do not."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from reachable.reports import facts, service
from reachable.reports import sources as src
from reachable.reports.registry import Statistic
from reachable.reports.schemas import Cell
from reachable.reports.scope import by_kind
from tests.reports.conftest import BHAM, WMERCIA, WMP, value

STAT = Statistic(id="test_arrests", title="Test arrests", unit="arrests", definition="test", inclusion="test",
                 source="test", agencies=("police",), dims={"sex": ("M", "F", "U"), "residence": ("inside", "outside")},
                 area_basis="event", build=lambda ctx: None)
PERIOD = "2024-04-01 to 2025-03-31"


def _aggregate(session: Session, rows: list[tuple[int, str, str, str]]) -> tuple[list[Cell], list[Cell]]:
    """Cells of STAT over facts (unit, force, sex, residence): the engine's, and counted per breakdown."""
    ctx = service.make_context(session, area="all", start=date(2024, 4, 1), end=date(2025, 3, 31),
                               exclude_force=WMERCIA)
    facts.open_facts(session)
    session.execute(insert(facts.FACTS), [
        {"stat": STAT.id, "unit": unit, "child": unit, "period": PERIOD, "area": force, "force": force, "d0": sex,
         "d1": residence} for unit, force, sex, residence in rows])
    cells = facts.aggregate(session, ctx, STAT)
    plan = facts._plan(ctx, STAT)
    counted = facts._counted_in_database(session, STAT, plan)
    by_query: list[Cell] = []
    seen: set[str] = set()
    for (label, excluded), grouping in plan:
        found: dict[tuple[Any, ...], int] = counted[((label, excluded), grouping)]
        if label is None:
            seen |= {str(key[1]) for key in found}
        by_query += facts._count_cells(STAT, ctx, label, grouping, found, seen)
    facts.close_facts(session)
    return cells, by_query


def test_units_in_one_cell_each_roll_up_to_the_same_cells(session: Session) -> None:
    cells, by_query = _aggregate(session, [(1, WMP, "M", "inside"), (2, WMP, "F", "outside"),
                                           (3, WMERCIA, "M", "inside"), (3, WMERCIA, "M", "inside")])
    assert cells == by_query
    assert value(cells, STAT.id) == 3  # unit 3 recorded twice counts once
    assert value(cells, STAT.id, sex="M") == 2
    assert value(cells, STAT.id, residence="outside") == 1
    assert value(cells, STAT.id, area=WMP) == 2
    assert value(cells, STAT.id, area=f"ALL excl. {WMERCIA}") == 2
    assert value(cells, STAT.id, area=f"ALL excl. {WMERCIA}", sex="M") == 1


def test_a_unit_in_two_cells_is_still_counted_once(session: Session) -> None:
    # One arrest recorded inside and outside the force area: summing the two cells would count it twice.
    cells, by_query = _aggregate(session, [(1, WMP, "M", "inside"), (1, WMP, "M", "outside"),
                                           (2, WMERCIA, "F", "inside")])
    assert cells == by_query
    assert value(cells, STAT.id) == 2
    assert value(cells, STAT.id, sex="M") == 1
    assert value(cells, STAT.id, residence="inside") == 2
    assert value(cells, STAT.id, residence="outside") == 1
    assert value(cells, STAT.id, area=WMP) == 1
    assert value(cells, STAT.id, area=f"ALL excl. {WMERCIA}") == 1


def test_national_reads_of_current_events_use_their_partial_index_on_sqlite(session: Session) -> None:
    events = src.events.alias("fi")
    query = select(func.count()).select_from(events).where(events.c.kind == "arrest", events.c.superseded_at.is_(None))
    national = service.make_context(session, area="all", start=date(2024, 4, 1), end=date(2025, 3, 31))
    council = service.make_context(session, area=BHAM, start=date(2024, 4, 1), end=date(2025, 3, 31))
    hinted = str(by_kind(national, query, events).compile(bind=session.get_bind()))
    sqlite = session.get_bind().dialect.name == "sqlite"
    assert ("INDEXED BY ix_events_current_kind_time" in hinted) is sqlite
    assert "INDEXED BY" not in str(by_kind(council, query, events).compile(bind=session.get_bind()))
    assert session.execute(by_kind(national, query, events)).scalar_one() == 0  # the database accepts it
