"""NRM referrals and decisions from the Single Competent Authority (format nrm-csv)."""

from __future__ import annotations

from reachable.simulate.areas import AREA_BY_CODE
from reachable.simulate.parameters import Parameters
from reachable.simulate.rand import pick, uk_date
from reachable.simulate.signals import Occ
from reachable.simulate.writers.base import NRM_AGENCY, VCS_AGENCY, Ctx, yn
from reachable.simulate.writers.police import uk_sort

REFERRAL = [
    "referral_ref",
    "nrm_person_id",
    "surname",
    "forenames",
    "dob",
    "sex",
    "nationality",
    "first_responder",
    "first_responder_type",
    "first_responder_ref",
    "referral_date",
    "exploitation_types",
    "county_lines",
    "exploited_as_child",
    "location_of_exploitation",
    "area_code",
]
DECISION = ["decision_ref", "referral_ref", "nrm_person_id", "decision_type", "outcome", "decision_date"]
_TYPES = {"POL": "police", "CSC": "local_authority", "VCS": "ngo"}


def write_nrm(ctx: Ctx, occ: Occ, travel: bool, sexual: bool, params: Parameters) -> tuple[bool, bool]:
    """A referral and whatever RG/CG decisions were made by the window's end; returns (rg+, cg+)."""
    resp, rng = params.response, ctx.rng
    reg, cols = ctx.person(NRM_AGENCY, occ.t)
    ref = ctx.ref(NRM_AGENCY, "NRM")
    responder = str(occ.attrs["responder"])
    fr_ref = ""
    regs = ctx.ident.by_agency.get(responder)
    if regs and rng.random() < ctx.ident.noise.first_responder_ref:
        fr_ref = regs[0].person_id
    if occ.cce:
        types = ["criminal", "sexual"] if sexual and rng.random() < 0.6 else ["criminal"]
    else:
        types = [pick(rng, {"criminal": 0.5, "sexual": 0.25, "labour": 0.2, "domestic_servitude": 0.05})]
    nationality = (
        "British"
        if rng.random() < (0.85 if occ.cce else 0.5)
        else pick(rng, {"Albanian": 0.3, "Vietnamese": 0.25, "Eritrean": 0.15, "Sudanese": 0.15, "Romanian": 0.15})
    )
    ctx.sink.row(
        f"extracts/{NRM_AGENCY}/referrals.csv",
        "nrm-csv",
        NRM_AGENCY,
        "referrals",
        REFERRAL,
        [
            ref,
            reg.person_id,
            cols[0],
            cols[1],
            cols[2],
            cols[3],
            nationality,
            responder,
            _TYPES[responder.split("-", 1)[0]],
            fr_ref,
            uk_date(occ.t),
            ";".join(types),
            yn(occ.cce and travel),
            "Y",
            "UK",
            occ.area,
        ],
        (uk_sort(occ.t), ref),
        ("nrm_referral",),
    )
    rg_at = occ.t + 5 + rng.expovariate(1 / resp.rg_days_mean)
    if rg_at > ctx.end:
        return False, False
    rg_pos = rng.random() < (resp.rg_positive_cce if occ.cce else resp.rg_positive_other)
    _decision(ctx, ref, reg.person_id, "RG", rg_pos, rg_at)
    if not rg_pos:
        return False, False
    cg_at = rg_at + 30 + rng.expovariate(1 / resp.cg_days_mean)
    if cg_at > ctx.end:
        return True, False
    cg_pos = rng.random() < (resp.cg_positive_cce if occ.cce else 0.3)
    _decision(ctx, ref, reg.person_id, "CG", cg_pos, cg_at)
    return True, cg_pos


def _decision(ctx: Ctx, referral: str, person: str, kind: str, positive: bool, t: float) -> None:
    """One decision row."""
    ref = ctx.ref(NRM_AGENCY, kind)
    ctx.sink.row(
        f"extracts/{NRM_AGENCY}/decisions.csv",
        "nrm-csv",
        NRM_AGENCY,
        "decisions",
        DECISION,
        [ref, referral, person, kind, "positive" if positive else "negative", uk_date(t)],
        (uk_sort(t), ref),
        ("nrm_rg_decision" if kind == "RG" else "nrm_cg_decision",),
    )


def responder_for(ctx: Ctx, area: str) -> str:
    """Which first responder refers: council, police or the charity."""
    x = ctx.rng.random()
    if x < 0.45:
        return f"CSC-{area}"
    if x < 0.8:
        return f"POL-{AREA_BY_CODE[area].force.code}"
    return VCS_AGENCY
