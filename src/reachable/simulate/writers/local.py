"""Schools (schools-csv), health (health-csv) and youth justice (yjs-csv) extracts of a council area."""

from __future__ import annotations

from reachable.simulate.areas import AREA_BY_CODE
from reachable.simulate.rand import DAYS_PER_YEAR, uk_date, uk_datetime
from reachable.simulate.signals import Occ
from reachable.simulate.writers.base import Ctx, yn
from reachable.simulate.writers.police import uk_sort

PUPIL = [
    "upn",
    "surname",
    "forename",
    "middle_names",
    "dob",
    "sex",
    "postcode",
    "school_urn",
    "sen_provision",
    "fsm_eligible",
    "on_roll_from",
    "on_roll_to",
]
EXCL = [
    "exclusion_ref",
    "upn",
    "surname",
    "forename",
    "dob",
    "sex",
    "school_urn",
    "category",
    "start_date",
    "sessions",
    "reason",
]
PTT = [
    "timetable_ref",
    "upn",
    "surname",
    "forename",
    "dob",
    "sex",
    "school_urn",
    "start_date",
    "end_date",
    "hours_per_week",
]
SCONCERN = ["concern_ref", "upn", "surname", "forename", "dob", "sex", "school_urn", "recorded_at", "categories"]
ATTEND = [
    "attendance_ref",
    "patient_id",
    "nhs_number",
    "surname",
    "forename",
    "dob",
    "sex",
    "postcode",
    "arrived_at",
    "setting",
    "injury_type",
    "safeguarding_concern",
]
YJS = [
    "intervention_ref",
    "yjs_id",
    "upn",
    "surname",
    "forename",
    "dob",
    "sex",
    "postcode",
    "start_date",
    "end_date",
    "intervention",
    "offence_category",
]


def school_urn(ctx: Ctx, area: str, t: float) -> str:
    """The child's school in an area at time t (primary before 11, then secondary); stable per child."""
    phase = "P" if ctx.child.age_at(t) < 11 else "S"
    key = f"{area}:{phase}"
    urn = ctx.ident.schools.get(key)
    if urn is None:
        la = int(AREA_BY_CODE[area].dfe_la)
        # Synthetic URNs in the unallocated 9xxxxx range: 60 primaries and 15 secondaries per council.
        urn = str(900000 + (la % 100) * 1000 + (ctx.rng.randrange(60) if phase == "P" else 500 + ctx.rng.randrange(15)))
        ctx.ident.schools[key] = urn
    return urn


def _edu(ctx: Ctx, area: str, t: float) -> tuple[str, str, list[str], str]:
    """Agency, UPN, identity columns (surname, forename, dob, sex) and school for a school record."""
    agency = f"EDU-{area}"
    reg, cols = ctx.person(agency, t)
    return agency, reg.person_id, cols[:4], school_urn(ctx, area, t)


def write_school(ctx: Ctx, occ: Occ) -> None:
    """A suspension, permanent exclusion, part-time timetable or DSL concern."""
    agency, upn, cols, urn = _edu(ctx, occ.area, occ.t)
    a = occ.attrs
    base = f"extracts/{agency}/"
    if occ.kind in ("suspension", "permanent_exclusion"):
        ref = ctx.ref(agency, "EX")
        days = float(a["days"])  # type: ignore[arg-type]
        ctx.sink.row(
            base + "exclusions.csv",
            "schools-csv",
            agency,
            "exclusions",
            EXCL,
            [
                ref,
                upn,
                *cols,
                urn,
                "PERM" if occ.kind == "permanent_exclusion" else "SUSP",
                uk_date(occ.t),
                str(max(1, round(days * 2))),
                str(a["reason"]),
            ],
            (uk_sort(occ.t), ref),
            ("school_exclusion",),
        )
    elif occ.kind == "part_time":
        ref = ctx.ref(agency, "PT")
        weeks = int(a["weeks"])  # type: ignore[call-overload]
        end = occ.t + weeks * 7
        ctx.sink.row(
            base + "part_time_timetables.csv",
            "schools-csv",
            agency,
            "part_time_timetables",
            PTT,
            [ref, upn, *cols, urn, uk_date(occ.t), uk_date(end) if end <= ctx.end else "", str(a["hours"])],
            (uk_sort(occ.t), ref),
            ("part_time_timetable",),
        )
    else:
        ref = ctx.ref(agency, "SC")
        cats = a["categories"]
        assert isinstance(cats, list)
        ctx.sink.row(
            base + "concerns.csv",
            "schools-csv",
            agency,
            "concerns",
            SCONCERN,
            [ref, upn, *cols, urn, uk_datetime(occ.t), ";".join(cats)],
            (uk_sort(occ.t), ref),
            ("concern_raised",),
        )


def write_pupils(ctx: Ctx) -> None:
    """The school roll: one row per spell of school age (4-16) in an area during the window."""
    c = ctx.child
    lo_age, hi_age = c.dob + 4 * DAYS_PER_YEAR, c.dob + 16 * DAYS_PER_YEAR
    addrs = c.addresses
    for i, addr in enumerate(addrs):
        a = max(addr.start, lo_age, ctx.start)
        b = min(addrs[i + 1].start if i + 1 < len(addrs) else ctx.end, hi_age, ctx.end)
        if b <= a:
            continue
        agency = f"EDU-{addr.area}"
        reg, cols = ctx.person(agency, a)
        urn = school_urn(ctx, addr.area, a)
        ctx.sink.row(
            f"extracts/{agency}/pupils.csv",
            "schools-csv",
            agency,
            "pupils",
            PUPIL,
            [
                reg.person_id,
                cols[0],
                cols[1],
                c.middle if ctx.rng.random() < 0.9 else "",
                cols[2],
                cols[3],
                addr.postcode,
                urn,
                c.sen,
                "true" if c.poverty else "false",
                uk_date(a),
                uk_date(b) if b < ctx.end else "",
            ],
            (reg.person_id, uk_sort(a)),
        )


def write_health(ctx: Ctx, occ: Occ) -> None:
    """An emergency or urgent care attendance in the area where it happened."""
    agency = f"HLT-{occ.area}"
    reg, cols = ctx.person(agency, occ.t)
    ref = ctx.ref(agency, "ATT")
    nhs = "" if ctx.rng.random() < ctx.ident.noise.nhs_missing else ctx.ident.nhs
    injury = str(occ.attrs["injury"])
    flag = injury in ("stab_wound", "assault", "overdose", "self_harm") and ctx.rng.random() < 0.6
    ctx.sink.row(
        f"extracts/{agency}/attendances.csv",
        "health-csv",
        agency,
        "attendances",
        ATTEND,
        [ref, reg.person_id, nhs, *cols, uk_datetime(occ.t), str(occ.attrs["setting"]), injury, yn(flag)],
        (uk_sort(occ.t), ref),
        ("health_attendance",),
    )


def write_yjs(ctx: Ctx, occ: Occ, offence: str) -> None:
    """A youth justice intervention by the service of the child's home area."""
    agency = f"YJS-{occ.area}"
    reg, cols = ctx.person(agency, occ.t)
    ref = ctx.ref(agency, "YJ")
    months = float(occ.attrs["months"])  # type: ignore[arg-type]
    end = occ.t + months * 30.4
    upn = ctx.ident.upn if ctx.rng.random() < ctx.ident.noise.upn_in_yjs else ""
    ctx.sink.row(
        f"extracts/{agency}/interventions.csv",
        "yjs-csv",
        agency,
        "interventions",
        YJS,
        [
            ref,
            reg.person_id,
            upn,
            *cols,
            uk_date(occ.t),
            uk_date(end) if end <= ctx.end else "",
            str(occ.attrs["intervention"]),
            offence,
        ],
        (uk_sort(occ.t), ref),
        ("youth_justice_intervention",),
    )
