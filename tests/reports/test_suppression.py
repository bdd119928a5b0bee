"""Disclosure control: primary and secondary suppression, withheld rates and averages."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from reachable.records.kinds import EventKind as K
from reachable.reports import registry, service
from reachable.reports.schemas import ALL, Cell
from reachable.reports.suppression import additive_groups, suppress
from tests.reports.conftest import BHAM, COV, ev, kid, load


def _c(stat: str, value: float, area: str = ALL, measure: str = "count", base: float | None = None,
       **dims: str) -> Cell:
    return Cell(statistic=stat, area=area, period="p", dims=dims, measure=measure, value=value, base=base)


def _by_key(cells: list[Cell]) -> dict[tuple[str, str, tuple[tuple[str, str], ...]], Cell]:
    return {(c.statistic, c.area, (*sorted(c.dims.items()), (c.measure, ""))): c for c in cells}


def test_small_count_and_its_smallest_sibling_are_hidden_but_total_shown() -> None:
    cells = [_c("missing_children", 13), _c("missing_children", 3, sex="M"), _c("missing_children", 10, sex="F"),
             _c("missing_children", 0, sex="U")]
    out = suppress(cells, registry.load())
    flags = {c.dims.get("sex", "all"): (c.value, c.flag) for c in out}
    assert flags == {"all": (13, None), "M": (None, "suppressed"), "F": (None, "secondary"), "U": (0, None)}


def test_area_groups_protect_a_small_area_from_the_national_total() -> None:
    cells = [_c("nrm_referrals", 52), _c("nrm_referrals", 2, area="A"), _c("nrm_referrals", 20, area="B"),
             _c("nrm_referrals", 30, area="C")]
    out = {c.area: c.flag for c in suppress(cells, registry.load())}
    assert out == {ALL: None, "A": "suppressed", "B": "secondary", "C": None}


def test_rates_on_suppressed_bases_and_averages_on_small_n_are_withheld() -> None:
    cells = [_c("missing_episodes", 20, setting="home"), _c("missing_children", 3, setting="home"),
             _c("missing_episodes_per_child", 6.67, measure="ratio", base=3, setting="home"),
             _c("nrm_days_to_rg", 3), _c("nrm_days_to_rg", 9.0, measure="mean", base=3)]
    out = _by_key(suppress(cells, registry.load()))
    assert out[("missing_episodes_per_child", ALL, (("setting", "home"), ("ratio", "")))].flag == "withheld"
    assert out[("nrm_days_to_rg", ALL, (("mean", ""),))].value is None
    assert out[("missing_episodes", ALL, (("setting", "home"), ("count", "")))].value == 20


def test_published_return_reveals_no_small_count_by_subtraction(session: Session) -> None:
    events = []
    for n in range(12):
        who = kid(f"Kid{n}", dob=date(2009, 1, 1), sex="F" if n < 2 else "M", home=COV if n == 0 else BHAM)
        events.append(ev(K.MISSING_REPORTED, who, f"2024-06-{n + 1:02d}", payload={"episode_ref": f"E{n}"}))
    load(session, events)
    ret = service.build_return(session, area=ALL, start=date(2024, 4, 1), end=date(2025, 3, 31), publish=True)
    statistics = registry.load()
    counts = [c for c in ret.cells if c.measure == "count" and statistics[c.statistic].measure != "ratio"]
    assert not [c for c in counts if c.value is not None and 1 <= c.value <= 4]
    for group in additive_groups(counts):
        assert sum(1 for c in group if c.flag) != 1, group
    girls = [c for c in ret.cells if c.statistic == "missing_children" and c.area == ALL and c.dims == {"sex": "F"}]
    assert girls[0].flag == "suppressed" and girls[0].value is None
    assert "not for publication" not in ret.classification
    internal = service.build_return(session, area=ALL, start=date(2024, 4, 1), end=date(2025, 3, 31))
    assert "INTERNAL USE ONLY" in internal.classification
