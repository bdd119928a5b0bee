"""SSDA903 looked-after children return (format ssda903): Header, Episodes and Missing CSVs per year."""

from __future__ import annotations

from datetime import date

from reachable.simulate.areas import AREA_BY_CODE
from reachable.simulate.care import CarePeriod
from reachable.simulate.identity import dob_text
from reachable.simulate.rand import ordinal, uk_date
from reachable.simulate.signals import Occ
from reachable.simulate.writers.base import Ctx
from reachable.simulate.writers.cin_xml import census_years
from reachable.simulate.writers.police import uk_sort

HEADER = ["CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"]
EPISODES = [
    "CHILD",
    "DECOM",
    "RNE",
    "LS",
    "CIN",
    "PLACE",
    "PLACE_PROVIDER",
    "DEC",
    "REC",
    "REASON_PLACE_CHANGE",
    "HOME_POST",
    "PL_POST",
    "URN",
]
MISSING = ["CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"]


def _episodes(period: CarePeriod) -> list[tuple[float, float, str, str, int]]:
    """Episodes of a period: (start, end, RNE, LS, placement index); a C1 becomes C2 after a while."""
    out: list[tuple[float, float, str, str, int]] = []
    ls = period.legal_status
    change_ls = period.start + 200 if ls == "C1" and period.end > period.start + 200 else None
    starts = [(p.start, "P", i) for i, p in enumerate(period.placements)]
    if change_ls is not None:
        starts.append((change_ls, "L", -1))
    starts.sort(key=lambda s: s[0])
    place_i = 0
    for j, (s, kind, i) in enumerate(starts):
        e = starts[j + 1][0] if j + 1 < len(starts) else period.end
        if kind == "L":
            ls = "C2"
        else:
            place_i = i
        rne = "S" if j == 0 else kind
        out.append((s, e, rne, ls, place_i))
    return out


def write_903(ctx: Ctx, care: list[CarePeriod], missing: list[Occ]) -> None:
    """Write the child's care periods and missing episodes into each year's return of the placing council."""
    c = ctx.child
    for period in care:
        la = c.address_at(period.start).area
        if AREA_BY_CODE[la].welsh:
            continue  # Welsh looked-after data are collected differently
        agency = f"CSC-{la}"
        reg = ctx.ident.person(agency, period.start)
        eps = _episodes(period)
        for year in census_years(ctx.start, ctx.end):
            ref = float(ordinal(date(year, 3, 31)))
            ys = float(ordinal(date(year - 1, 4, 1)))
            if not (period.start <= ref and period.end >= ys):
                continue
            base = f"extracts/{agency}/ssda903_{year}/"
            extra = {"census_year": year}
            sex = {"M": "1", "F": "2"}.get(reg.sex, "1")
            mother = "0" if c.sex == "F" and c.age_at(ref) >= 12 else ""
            upn = ctx.ident.upn if c.age_at(ref) >= 5 else "UN1"
            ctx.sink.row(
                base + "header.csv",
                "ssda903",
                agency,
                "header",
                HEADER,
                [reg.person_id, sex, dob_text(reg), c.ethnicity, upn, mother, ""],
                (reg.person_id,),
                extra=extra,
            )
            for s, e, rne, ls, pi in eps:
                if s > ref or e < ys:
                    continue
                pl = period.placements[pi]
                closed = e <= ref
                last = e >= period.end
                rec = (period.reason_ceased if last else "X1") if closed else ""
                nxt_change = not last and closed and any(abs(p.start - e) < 1e-6 for p in period.placements)
                kinds: tuple[str, ...] = {"S": ("looked_after_start",), "P": ("placement_change",)}.get(rne, ())
                if closed and last:
                    kinds = (*kinds, "looked_after_end")
                ctx.sink.row(
                    base + "episodes.csv",
                    "ssda903",
                    agency,
                    "episodes",
                    EPISODES,
                    [
                        reg.person_id,
                        uk_date(s),
                        rne,
                        ls,
                        "N1",
                        pl.place,
                        pl.provider if pl.place not in ("T0", "T1", "T2", "T3", "T4", "Z1") else "",
                        uk_date(e) if closed else "",
                        rec,
                        pl.change_reason if nxt_change else "",
                        ctx.ident.postcode("CSC", s) or c.address_at(s).postcode,
                        pl.postcode,
                        pl.urn,
                    ],
                    (reg.person_id, uk_sort(s)),
                    kinds,
                    extra,
                )
            for m in missing:
                if not m.attrs.get("in_903") or not (period.start <= m.t < period.end):
                    continue
                end = float(m.attrs["end"])  # type: ignore[arg-type]
                if m.t > ref or (end < ys):
                    continue
                closed = end <= ref
                ctx.sink.row(
                    base + "missing.csv",
                    "ssda903",
                    agency,
                    "missing",
                    MISSING,
                    [reg.person_id, dob_text(reg), str(m.attrs["type"]), uk_date(m.t), uk_date(end) if closed else ""],
                    (reg.person_id, uk_sort(m.t)),
                    ("missing_reported", "missing_found") if closed else ("missing_reported",),
                    extra,
                )
