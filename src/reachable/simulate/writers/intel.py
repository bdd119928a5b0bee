"""Intelligence and partner information (format intel-csv): police intelligence logs, VCS concerns, RHIs."""

from __future__ import annotations

from reachable.simulate.exploitation import Trajectory
from reachable.simulate.identity import FORCE_PREFIX
from reachable.simulate.network import Adult, Network
from reachable.simulate.rand import scramble, uk_date, uk_datetime
from reachable.simulate.signals import Occ
from reachable.simulate.writers.base import VCS_AGENCY, Ctx, yn
from reachable.simulate.writers.police import force_agency, uk_sort

INTEL = [
    "intel_ref",
    "person_id",
    "surname",
    "forenames",
    "dob",
    "sex",
    "recorded_at",
    "area_code",
    "association",
    "subject_ref",
    "subject_label",
    "place_type",
    "grading",
]
CONCERN = [
    "concern_ref",
    "person_id",
    "surname",
    "forenames",
    "dob",
    "sex",
    "home_postcode",
    "recorded_at",
    "area_code",
    "categories",
]
RHI = [
    "interview_ref",
    "person_id",
    "surname",
    "forenames",
    "dob",
    "sex",
    "home_postcode",
    "area_code",
    "missing_started_at",
    "police_report_ref",
    "offered_on",
    "accepted",
    "completed_on",
]
PLACE_LABEL = {
    "trap_house": "address of concern (suspected cuckooing)",
    "park": "park",
    "takeaway": "takeaway",
    "station": "railway station",
    "hotel": "hotel",
    "estate_stairwell": "estate stairwell",
    "car_park": "car park",
}


def adult_police_id(agency: str, adult: Adult) -> str:
    """The person id an adult has in a force's records (a different range from children's ids)."""
    salt = sum(ord(c) for c in agency)
    return FORCE_PREFIX[agency.split("-", 1)[1]] + scramble(90_000_000 + adult.index, salt, 8)


def _subject(
    ctx: Ctx, agency: str, association: str, traj: Trajectory | None, network: Network, home: str
) -> tuple[str, str, str]:
    """Subject reference, label and place type of an intelligence log."""
    rng = ctx.rng
    groups = [traj.group] if traj is not None else (network.by_base.get(home) or network.groups)
    group = rng.choice(groups)
    if association == "adult":
        adult = rng.choice(traj.adults) if traj is not None else rng.choice(group.adults)
        return adult_police_id(agency, adult), f"{adult.forename} {adult.surname.upper()}", ""
    if association == "deal_line" and traj is not None and traj.line is not None:
        return traj.line.phone.replace(" ", ""), f"'{traj.line.brand}' line", ""
    if association == "place":
        places = traj.places if traj is not None and traj.places else group.places
        place = rng.choice(places)
        return place.postcode, PLACE_LABEL[place.kind], place.kind
    if association == "vehicle":
        adult = rng.choice(traj.adults if traj is not None else group.adults)
        return adult.vehicle, "vehicle seen with subject", ""
    if association == "group":
        return f"OCG-{group.group_id}", "organised crime group nominal", ""
    return agency[4:6] + scramble(rng.randrange(10**6), 3, 8), "juvenile associate", ""


def write_intel(ctx: Ctx, occ: Occ, network: Network) -> None:
    """A police intelligence log in the force where the child was seen."""
    agency = force_agency(occ.area)
    reg, cols = ctx.person(agency, occ.t)
    ref = ctx.ref(agency, "INT")
    traj = occ.attrs.get("traj")
    traj = traj if isinstance(traj, Trajectory) else None
    subject, label, ptype = _subject(
        ctx, agency, str(occ.attrs["association"]), traj, network, ctx.child.address_at(occ.t).area
    )
    ctx.sink.row(
        f"extracts/{agency}/intelligence.csv",
        "intel-csv",
        agency,
        "intelligence",
        INTEL,
        [
            ref,
            reg.person_id,
            *cols[:4],
            uk_datetime(occ.t),
            occ.area,
            str(occ.attrs["association"]),
            subject,
            label,
            ptype,
            str(occ.attrs["grading"]),
        ],
        (uk_sort(occ.t), ref),
        ("intelligence_report",),
    )


def write_vcs_concern(ctx: Ctx, occ: Occ) -> None:
    """A concern shared by the charity's youth workers."""
    reg, cols = ctx.person(VCS_AGENCY, occ.t)
    ref = ctx.ref(VCS_AGENCY, "CON")
    cats = occ.attrs["categories"]
    assert isinstance(cats, list)
    ctx.sink.row(
        f"extracts/{VCS_AGENCY}/concerns.csv",
        "intel-csv",
        VCS_AGENCY,
        "concerns",
        CONCERN,
        [ref, reg.person_id, *cols, uk_datetime(occ.t), occ.area, ";".join(cats)],
        (uk_sort(occ.t), ref),
        ("concern_raised",),
    )


def write_rhi(ctx: Ctx, occ: Occ, police_ref: str | None) -> None:
    """A return home interview offered by the commissioned charity (accepted or declined)."""
    episode = occ.attrs["episode"]
    assert isinstance(episode, Occ)
    reg, cols = ctx.person(VCS_AGENCY, occ.t)
    ref = ctx.ref(VCS_AGENCY, "RHI")
    accepted = bool(occ.attrs["accepted"])
    done = occ.t + ctx.rng.uniform(0.5, 6) if accepted else None
    kinds = ("return_interview_offered", "return_interview_accepted")
    ctx.sink.row(
        f"extracts/{VCS_AGENCY}/return_interviews.csv",
        "intel-csv",
        VCS_AGENCY,
        "return_interviews",
        RHI,
        [
            ref,
            reg.person_id,
            *cols,
            episode.area,
            uk_datetime(episode.t),
            police_ref or "",
            uk_date(occ.t),
            yn(accepted),
            uk_date(done) if done is not None and done <= ctx.end else "",
        ],
        (uk_sort(occ.t), ref),
        kinds,
    )
