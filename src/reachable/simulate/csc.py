"""Children's social care: referrals become CIN episodes with assessments, plans, s47 and CP plans."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from reachable.simulate.care import CarePeriod, in_care
from reachable.simulate.exploitation import Trajectory
from reachable.simulate.parameters import Parameters
from reachable.simulate.people import Child
from reachable.simulate.rand import pick
from reachable.simulate.signals import Occ

# DfE CIN census ReferralSource codes for referrals that did not come from a simulated contact.
BACKGROUND_SOURCES = {
    "1A": 0.07,
    "1B": 0.01,
    "1C": 0.01,
    "1D": 0.03,
    "2A": 0.2,
    "2B": 0.01,
    "3A": 0.03,
    "3B": 0.02,
    "3C": 0.01,
    "3D": 0.02,
    "3E": 0.04,
    "3F": 0.04,
    "4": 0.02,
    "5A": 0.03,
    "5B": 0.02,
    "5C": 0.03,
    "5D": 0.05,
    "6": 0.28,
    "7": 0.03,
    "8": 0.04,
    "9": 0.01,
    "10": 0.01,
}
CCE_24A_FROM = 737_881  # 2021-04-01: 24A is collected from the 2021-22 census (schema 2022)


@dataclass(slots=True)
class CinEpisode:
    """One CINdetails block: a referral and everything that followed it."""

    referral: float
    source: str
    need: str
    nfa: bool = False
    assessment: tuple[float, float, list[str]] | None = None
    cin_plan: tuple[float, float | None] | None = None
    s47: float | None = None
    icpc: float | None = None
    cp_plan: tuple[float, float | None, str, str] | None = None
    closure: float | None = None
    closure_reason: str = ""
    cce: bool = False
    lac: bool = False
    area: str = ""
    extra: dict[str, str] = field(default_factory=dict)


def _factors(
    rng: random.Random,
    child: Child,
    t: float,
    traj: Trajectory | None,
    recent_missing: bool,
    params: Parameters,
    risky: bool = False,
) -> tuple[list[str], bool]:
    """Assessment factor codes; whether exploitation was identified (girls often as CSE, under-10s rarely)."""
    codes: set[str] = set()
    for code, p in (
        ("3A", 0.12),
        ("3B", 0.2),
        ("1B", 0.08),
        ("2B", 0.1),
        ("4B", 0.18),
        ("16A", 0.12),
        ("17A", 0.1),
        ("4A", 0.08),
        ("18C", 0.04),
        ("19C", 0.02),
        ("6B", 0.03),
    ):
        if rng.random() < p:
            codes.add(code)
    if child.sen == "E" and rng.random() < 0.4:
        codes.add("5A")
    if child.uasc:
        codes.add("9A")
    age = child.age_at(t)
    if age >= 11:
        for code, p in (("14A", 0.08), ("2A", 0.05), ("15A", 0.05), ("18B", 0.02), ("13A", 0.01)):
            if rng.random() < p:
                codes.add(code)
    if recent_missing and rng.random() < 0.5:
        codes.add("10A")
    identified = False
    stage = traj.stage_at(t) if traj is not None else -1
    ex = params.exploitation
    p_id = params.response.cce_identified_at_assessment * (ex.under10_record_mult if age < 10 else 1.0)
    if stage >= 1 and rng.random() < p_id * (0.5 + 0.25 * stage):
        identified = True
        girl_cse = child.sex == "F" and rng.random() < ex.girl_recorded_as_cse
        codes.add("11A" if girl_cse else ("24A" if t >= CCE_24A_FROM else "13A"))
        if rng.random() < 0.35:
            codes.add("13A")
        if rng.random() < 0.15:
            codes.add("12A")
        if rng.random() < 0.4:
            codes.add("14A")
        if recent_missing:
            codes.add("10A")
    elif age >= 11 and (recent_missing or risky) and rng.random() < 0.2 and t >= CCE_24A_FROM:
        codes.add("24A")  # concern about CCE risk in a child who is not (yet) exploited
    if not codes:
        codes.add("21" if rng.random() < 0.5 else "20")
    return sorted(codes, key=lambda c: (int(c.rstrip("ABCDEF")), c)), identified


def episodes(
    rng: random.Random,
    child: Child,
    referrals: list[Occ],
    care: list[CarePeriod],
    missing_times: list[float],
    traj: Trajectory | None,
    end: float,
    params: Parameters,
) -> list[CinEpisode]:
    """Turn referrals (and care periods) into CIN episodes; a referral during an open episode is absorbed."""
    resp = params.response
    out: list[CinEpisode] = []
    for period in care:
        ref = period.start - rng.uniform(5, 60)
        ep = CinEpisode(
            ref,
            pick(rng, BACKGROUND_SOURCES),
            pick(rng, {"N1": 0.65, "N4": 0.1, "N5": 0.15, "N6": 0.05, "N8": 0.05}),
            lac=True,
            cce=period.cce_entry,
            area=child.address_at(ref).area,
        )
        auth = ref + rng.uniform(10, 40)
        recent = any(0 <= ref - m < 180 for m in missing_times)
        codes, _ = _factors(rng, child, ref, traj, recent, params)
        ep.assessment = (ref + rng.uniform(0, 5), auth, codes)
        if period.end < end:
            ep.closure, ep.closure_reason = (
                period.end,
                pick(rng, {"RC7": 0.6, "RC4": 0.1, "RC3": 0.05, "RC1": 0.05, "RC6": 0.2}),
            )
        out.append(ep)
    for occ in sorted(referrals, key=lambda o: o.t):
        if occ.t >= end or child.age_at(occ.t) >= 18 or in_care(care, occ.t) is not None:
            continue
        if any(e.referral <= occ.t and (e.closure is None or occ.t < e.closure) for e in out):
            continue
        recent = any(0 <= occ.t - m < 180 for m in missing_times)
        out.append(_episode(rng, child, occ, traj, recent, end, params))
    _ = resp
    return sorted(out, key=lambda e: e.referral)


def _episode(
    rng: random.Random,
    child: Child,
    occ: Occ,
    traj: Trajectory | None,
    recent_missing: bool,
    end: float,
    params: Parameters,
) -> CinEpisode:
    """One episode from a referral: about 4 in 10 end with no further action after assessment."""
    resp = params.response
    src = str(occ.attrs.get("source") or pick(rng, BACKGROUND_SOURCES))
    need = pick(
        rng, {"N1": 0.55, "N2": 0.04, "N3": 0.03, "N4": 0.1, "N5": 0.14, "N6": 0.04, "N7": 0.01, "N8": 0.04, "N9": 0.05}
    )
    ep = CinEpisode(occ.t, src, need, cce=occ.cce, area=child.address_at(occ.t).area)
    if rng.random() < 0.08:  # referral closed without assessment
        ep.nfa = True
        ep.closure, ep.closure_reason = occ.t + rng.uniform(1, 10), "RC8"
        return ep
    start = occ.t + rng.uniform(0, 7)
    auth = start + rng.expovariate(1 / resp.assessment_days_mean) + 3
    risky = str(occ.attrs.get("source")) == "6"  # police referrals after arrests or missing episodes
    codes, identified = _factors(rng, child, start, traj, recent_missing, params, risky)
    ep.assessment = (start, auth, codes)
    if identified:
        ep.need = "N6" if rng.random() < 0.4 else "N1"
        cin_p, cp_p = resp.exploited_cin_plan_share, resp.exploited_cp_plan_share
    else:
        cin_p, cp_p = resp.cin_plan_share, resp.cp_plan_share
    x = rng.random()
    if x < cp_p:
        ep.s47 = auth - rng.uniform(0, 10)
        ep.icpc = ep.s47 + rng.uniform(8, 21)
        plan_end = ep.icpc + rng.expovariate(1 / 300) + 90
        cat = pick(rng, {"NEG": 0.5, "EMO": 0.35, "PHY": 0.07, "SAB": 0.04, "MUL": 0.04})
        ep.cp_plan = (ep.icpc, plan_end, cat, cat if rng.random() < 0.85 else "MUL")
        ep.closure = plan_end + rng.uniform(30, 200)
    elif x < cp_p + cin_p:
        plan_end = auth + rng.expovariate(1 / 200) + 30
        ep.cin_plan = (auth, plan_end)
        ep.closure = plan_end + rng.uniform(0, 20)
    else:
        ep.closure, ep.closure_reason = auth + rng.uniform(0, 5), pick(rng, {"RC8": 0.6, "RC9": 0.4})
        return ep
    ep.closure_reason = pick(rng, {"RC7": 0.85, "RC5": 0.05, "RC9": 0.1})
    return ep


def clip_open(ep: CinEpisode, end: float) -> None:
    """Blank out dates after the window's end: what is open at the reference date stays open."""
    if ep.closure is not None and ep.closure > end:
        ep.closure, ep.closure_reason = None, ""
    if ep.cin_plan is not None and ep.cin_plan[1] is not None and ep.cin_plan[1] > end:
        ep.cin_plan = (ep.cin_plan[0], None)
    if ep.cp_plan is not None and ep.cp_plan[1] is not None and ep.cp_plan[1] > end:
        ep.cp_plan = (ep.cp_plan[0], None, ep.cp_plan[2], ep.cp_plan[3])
