"""Ground truth beside the extracts: who each record really is, who was exploited, and the network."""

from __future__ import annotations

from reachable.simulate.care import CarePeriod
from reachable.simulate.exploitation import Trajectory
from reachable.simulate.network import Network
from reachable.simulate.parameters import STAGES as NAMES
from reachable.simulate.rand import iso_date
from reachable.simulate.signals import Occ
from reachable.simulate.sink import Sink
from reachable.simulate.writers.base import Ctx, yn
from reachable.simulate.writers.intel import adult_police_id
from reachable.simulate.writers.police import force_agency

CHILDREN = [
    "child_id",
    "sex",
    "dob",
    "ethnicity",
    "home_area_first",
    "home_area_last",
    "poverty",
    "sen",
    "family_crime",
    "uasc",
    "looked_after_in_window",
    "targeted",
    "exploited",
    "onset_date",
    "max_stage",
    "exit_date",
    "exit_reason",
    "travels",
    "sexual_exploitation",
    "group_id",
    "line_id",
    "missing_episodes_true",
    "missing_episodes_recorded",
    "upn",
    "nhs_number",
]
STAGES = ["child_id", "stage", "start_date", "end_date"]
LINKS = ["child_id", "link_type", "ref", "from_date", "to_date"]


def _t(path: str) -> str:
    """Truth file path."""
    return f"truth/{path}"


def write_child_truth(ctx: Ctx, traj: Trajectory | None, care: list[CarePeriod], missing: list[Occ]) -> None:
    """One child's truth rows: status, stages, network ties and every agency person id they were given."""
    c, sink = ctx.child, ctx.sink
    looked_after = any(p.end > ctx.start and p.start < ctx.end for p in care)
    exploited = traj is not None and traj.max_stage >= 1
    row = [
        c.child_id,
        c.sex,
        iso_date(c.dob),
        c.ethnicity,
        c.addresses[0].area,
        c.addresses[-1].area,
        yn(c.poverty),
        c.sen,
        yn(c.family_crime),
        yn(c.uasc),
        yn(looked_after),
        yn(traj is not None),
        yn(exploited),
    ]
    if traj is None:
        row += ["", "", "", "", "", "", "", ""]
    else:
        row += [
            iso_date(traj.onset),
            NAMES[traj.max_stage],
            iso_date(traj.exit_at) if traj.exit_reason != "ongoing" else "",
            traj.exit_reason,
            yn(traj.travel),
            yn(traj.sexual),
            traj.group.group_id,
            traj.line.line_id if traj.line else "",
        ]
        for name, s, e in traj.stages:
            sink.row(
                _t("stages.csv"),
                "truth",
                "",
                "stages",
                STAGES,
                [c.child_id, name, iso_date(s), iso_date(e) if e <= ctx.end else ""],
                (c.child_id, iso_date(s)),
            )
        links = [("group", traj.group.group_id)] + ([("line", traj.line.line_id)] if traj.line else [])
        links += [("adult", a.adult_id) for a in traj.adults] + [("place", p.place_id) for p in traj.places]
        for kind, ref in links:
            sink.row(
                _t("child_links.csv"),
                "truth",
                "",
                "child_links",
                LINKS,
                [
                    c.child_id,
                    kind,
                    ref,
                    iso_date(traj.onset),
                    iso_date(traj.exit_at) if traj.exit_reason != "ongoing" else "",
                ],
                (c.child_id, kind, ref),
            )
    in_window = [m for m in missing if ctx.start <= m.t <= ctx.end]
    row += [str(len(in_window)), str(sum(m.recorded for m in in_window)), ctx.ident.upn, ctx.ident.nhs]
    sink.row(_t("children.csv"), "truth", "", "children", CHILDREN, row, (c.child_id,))
    for agency in sorted(ctx.ident.by_agency):
        for reg in ctx.ident.by_agency[agency]:
            sink.row(
                _t("person_records.csv"),
                "truth",
                "",
                "person_records",
                ["agency", "agency_person_id", "child_id"],
                [agency, reg.person_id, c.child_id],
                (agency, reg.person_id),
            )


def write_network_truth(sink: Sink, network: Network, start: float, end: float) -> None:
    """Groups, lines (one row per market period), adults, their police ids and places."""
    for g in network.groups:
        sink.row(
            _t("groups.csv"),
            "truth",
            "",
            "groups",
            ["group_id", "kind", "base_area"],
            [g.group_id, g.kind, g.base_area],
            (g.group_id,),
        )
        for ln in g.lines:
            for i, (s, market) in enumerate(ln.schedule):
                e = ln.schedule[i + 1][0] if i + 1 < len(ln.schedule) else None
                if e is not None and e <= start:
                    continue  # the segment ended before the window: no event can show it, so truth leaves it out
                sink.row(
                    _t("lines.csv"),
                    "truth",
                    "",
                    "lines",
                    [
                        "line_id",
                        "group_id",
                        "brand",
                        "phone",
                        "exporting_area",
                        "importing_area",
                        "from_date",
                        "to_date",
                    ],
                    [
                        ln.line_id,
                        g.group_id,
                        ln.brand,
                        ln.phone,
                        ln.base_area,
                        market,
                        iso_date(max(s, start)),
                        iso_date(e) if e is not None else "",
                    ],
                    (ln.line_id, f"{s:012.2f}"),
                )
        for a in g.adults:
            sink.row(
                _t("adults.csv"),
                "truth",
                "",
                "adults",
                ["adult_id", "group_id", "role", "forename", "surname", "dob", "area", "vehicle"],
                [a.adult_id, g.group_id, a.role, a.forename, a.surname, iso_date(a.dob), a.area, a.vehicle],
                (a.adult_id,),
            )
            for agency in sorted({force_agency(x) for x in {p.area for p in g.places} | {a.area}}):
                sink.row(
                    _t("adult_records.csv"),
                    "truth",
                    "",
                    "adult_records",
                    ["agency", "agency_person_id", "adult_id"],
                    [agency, adult_police_id(agency, a), a.adult_id],
                    (agency, a.adult_id),
                )
        for p in g.places:
            sink.row(
                _t("places.csv"),
                "truth",
                "",
                "places",
                ["place_id", "group_id", "kind", "area", "postcode"],
                [p.place_id, g.group_id, p.kind, p.area, p.postcode],
                (p.place_id,),
            )
