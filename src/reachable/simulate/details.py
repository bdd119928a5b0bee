"""Details of each occurrence (offence, items found, injury, where found) and the responses they trigger."""

from __future__ import annotations

import random

from reachable.simulate.areas import AREA_BY_CODE, AREAS, random_postcode
from reachable.simulate.care import CarePeriod, in_care
from reachable.simulate.exploitation import Trajectory
from reachable.simulate.parameters import Parameters
from reachable.simulate.people import Child
from reachable.simulate.rand import pick
from reachable.simulate.signals import Occ

SUSPENSION_BG = {
    "PD": 0.35,
    "VA": 0.12,
    "VP": 0.1,
    "PP": 0.14,
    "PA": 0.05,
    "DA": 0.04,
    "DM": 0.04,
    "BU": 0.03,
    "TH": 0.02,
    "OT": 0.11,
}
SUSPENSION_CCE = {"DA": 0.25, "PP": 0.15, "PD": 0.25, "VA": 0.12, "TH": 0.05, "OT": 0.18}
CONCERN_BG = {
    "change_in_behaviour": 0.3,
    "missing_school": 0.25,
    "other": 0.3,
    "injuries": 0.05,
    "substance_misuse": 0.03,
    "older_associates": 0.025,
    "unexplained_money": 0.015,
    "new_phones": 0.015,
    "unexplained_gifts": 0.01,
    "gang_association": 0.005,
}
CONCERN_CCE = {
    "older_associates": 0.2,
    "unexplained_money": 0.15,
    "new_phones": 0.15,
    "unexplained_gifts": 0.08,
    "missing_school": 0.15,
    "change_in_behaviour": 0.1,
    "travel": 0.05,
    "drug_debt": 0.03,
    "gang_association": 0.05,
    "injuries": 0.04,
}


def _other_area(rng: random.Random, area: str) -> str:
    """A different council in the world, for children found or seen away from home."""
    return rng.choice([a.code for a in AREAS if a.code != area])


def detail(
    rng: random.Random, occ: Occ, child: Child, traj: Trajectory | None, care: list[CarePeriod], params: Parameters
) -> list[Occ]:
    """Fill in the occurrence's details; return follow-on occurrences (custody, YJS, RHI, referrals, NRM)."""
    fn = _DETAILERS.get(occ.kind)
    return fn(rng, occ, child, traj, care, params) if fn else []


def _missing(
    rng: random.Random, occ: Occ, child: Child, traj: Trajectory | None, care: list[CarePeriod], params: Parameters
) -> list[Occ]:
    """Missing episode: care or home, M or A, duration, where found, police risk grading, RHI."""
    pol, resp = params.police, params.response
    period = in_care(care, occ.t)
    from_care = period is not None
    origin = period.placement_at(occ.t).area if period is not None else child.address_at(occ.t).area
    mtype = "A" if from_care and rng.random() < pol.care_away_share else "M"
    hours = rng.lognormvariate(2.3, 1.0) if not occ.cce else rng.lognormvariate(3.4, 1.1)
    found = origin
    p_out = pol.found_outside_care if from_care else pol.found_outside_home
    if occ.cce and occ.area != origin:
        p_out = pol.found_outside_travel
    if rng.random() < p_out:
        found = occ.area if occ.area != origin else _other_area(rng, origin)
    risk = pick(
        rng,
        {"high": 0.25, "medium": 0.55, "low": 0.15, "no_apparent_risk": 0.05}
        if occ.cce
        else {"high": 0.08, "medium": 0.5, "low": 0.32, "no_apparent_risk": 0.1},
    )
    occ.area = origin
    occ.attrs.update(
        from_care=from_care,
        type=mtype,
        end=occ.t + hours / 24,
        found_area=found,
        found_postcode=random_postcode(rng, AREA_BY_CODE[found]),
        risk=risk,
        to_police=(not from_care) or mtype == "M" or rng.random() < pol.report_care_absent_to_police,
        in_903=from_care and rng.random() < 0.95,
    )
    out: list[Occ] = []
    if not occ.recorded:
        return out
    if rng.random() < (resp.rhi_offered_care if from_care else resp.rhi_offered_home):
        offered = occ.t + hours / 24 + rng.uniform(0.2, 5.0)
        out.append(
            Occ(
                "rhi",
                offered,
                occ.cce,
                child.address_at(occ.t).area,
                {"accepted": rng.random() < resp.rhi_accepted, "episode": occ},
            )
        )
    if rng.random() < resp.referral_after_missing:
        out.append(Occ("referral", occ.t + rng.uniform(1, 10), occ.cce, occ.area, {"source": "6"}))
    return out


def _stop_search(
    rng: random.Random, occ: Occ, child: Child, traj: Trajectory | None, care: list[CarePeriod], params: Parameters
) -> list[Occ]:
    """Stop and search: grounds, items found, outcome (weapons in ~1-2% of drugs searches, CL Table 8)."""
    pol = params.police
    if occ.cce:
        grounds = pick(rng, {"drugs": 0.8, "offensive_weapon": 0.15, "other": 0.05})
    else:
        grounds = pick(rng, {"drugs": 0.6, "offensive_weapon": 0.2, "stolen_property": 0.12, "other": 0.08})
    items: list[str] = []
    if grounds == "drugs" and rng.random() < (pol.drugs_found_cce if occ.cce else pol.drugs_found_bg):
        items.append("drugs")
    weapon_p = pol.weapon_found_drugs_search_cce if occ.cce else pol.weapon_found_drugs_search_bg
    if grounds != "drugs":
        weapon_p = 0.12 if grounds == "offensive_weapon" else 0.01
    if rng.random() < weapon_p:
        items.append("offensive_weapon")
    if rng.random() < (0.3 if occ.cce else 0.02):
        items.append("cash")
    if rng.random() < (0.35 if occ.cce else 0.02):
        items.append("phone")
    outcome = "no_further_action"
    if items:
        outcome = pick(
            rng, {"arrest": 0.35, "community_resolution": 0.3, "cannabis_warning": 0.15, "no_further_action": 0.2}
        )
    occ.attrs.update(
        grounds=grounds, items=items, outcome=outcome, postcode=random_postcode(rng, AREA_BY_CODE[occ.area])
    )
    return []


def _arrest(
    rng: random.Random, occ: Occ, child: Child, traj: Trajectory | None, care: list[CarePeriod], params: Parameters
) -> list[Occ]:
    """Arrest: offence category, outcome, custody, youth justice, and the safeguarding response."""
    pol, resp = params.police, params.response
    offence = pick(rng, pol.cce_offence if occ.cce else pol.background_offence)
    outcome = pick(
        rng,
        {
            "charged": pol.charged_share,
            "out_of_court": pol.ooc_disposal_share,
            "released_under_investigation": 0.2,
            "no_further_action": 0.2,
        },
    )
    occ.attrs.update(
        offence=offence,
        outcome=outcome,
        concealed=offence == "pwits_class_a" and occ.cce and rng.random() < pol.pwits_with_concealment,
        postcode=random_postcode(rng, AREA_BY_CODE[occ.area]),
    )
    out: list[Occ] = []
    if not occ.recorded:
        return out
    if rng.random() < pol.custody_given_arrest:
        out.append(
            Occ(
                "custody",
                occ.t + rng.uniform(0.01, 0.1),
                occ.cce,
                occ.area,
                {"hours": rng.lognormvariate(2.4, 0.6), "arrest": occ},
            )
        )
    home = child.address_at(occ.t).area
    if outcome == "charged" and rng.random() < 0.8:
        out.append(
            Occ(
                "yjs",
                occ.t + rng.uniform(30, 120),
                occ.cce,
                home,
                {
                    "intervention": pick(
                        rng,
                        {
                            "referral_order": 0.55,
                            "youth_rehabilitation_order": 0.3,
                            "detention_and_training_order": 0.05,
                            "bail_support": 0.1,
                        },
                    ),
                    "months": rng.uniform(3, 12),
                    "offence": offence,
                },
            )
        )
    elif outcome == "out_of_court" and rng.random() < 0.75:
        out.append(
            Occ(
                "yjs",
                occ.t + rng.uniform(10, 40),
                occ.cce,
                home,
                {
                    "intervention": pick(
                        rng, {"youth_caution": 0.4, "youth_conditional_caution": 0.3, "community_resolution": 0.3}
                    ),
                    "months": rng.uniform(1, 4),
                    "offence": offence,
                },
            )
        )
    p_ref = resp.referral_after_pwits if offence == "pwits_class_a" else resp.referral_after_arrest
    if rng.random() < p_ref:
        out.append(Occ("referral", occ.t + rng.uniform(0.5, 7), occ.cce, home, {"source": "6"}))
    if offence == "pwits_class_a" and rng.random() < resp.nrm_after_pwits * (1.0 if occ.cce else 0.3):
        out.append(
            Occ(
                "nrm",
                occ.t + rng.uniform(1, 40),
                occ.cce,
                occ.area,
                {"responder": f"POL-{AREA_BY_CODE[occ.area].force.code}"},
            )
        )
    return out


def _school(
    rng: random.Random, occ: Occ, child: Child, traj: Trajectory | None, care: list[CarePeriod], params: Parameters
) -> list[Occ]:
    """Suspensions, permanent exclusions, part-time timetables and DSL concerns at the child's school."""
    resp = params.response
    out: list[Occ] = []
    if occ.kind in ("suspension", "permanent_exclusion"):
        occ.attrs.update(
            reason=pick(rng, SUSPENSION_CCE if occ.cce else SUSPENSION_BG),
            days=round(min(45.0, rng.lognormvariate(0.6, 0.7)), 1),
        )
        if occ.kind == "permanent_exclusion" and rng.random() < resp.referral_after_permanent_exclusion:
            out.append(Occ("referral", occ.t + rng.uniform(1, 20), occ.cce, occ.area, {"source": "2A"}))
    elif occ.kind == "part_time":
        occ.attrs.update(hours=float(rng.choice((5, 8, 10, 12, 15, 20))), weeks=rng.randint(2, 20))
    else:
        dist = CONCERN_CCE if occ.cce else CONCERN_BG
        cats = {pick(rng, dist) for _ in range(rng.choice((1, 1, 2)))}
        occ.attrs.update(categories=sorted(cats))
        if rng.random() < 0.04:
            out.append(Occ("referral", occ.t + rng.uniform(0.5, 5), occ.cce, occ.area, {"source": "2A"}))
    return out


def _health(
    rng: random.Random, occ: Occ, child: Child, traj: Trajectory | None, care: list[CarePeriod], params: Parameters
) -> list[Occ]:
    """An A&E or urgent care attendance: mostly illness and accidents; assaults and stab wounds are rare."""
    age = child.age_at(occ.t)
    if occ.cce:
        injury = pick(rng, {"stab_wound": 0.15, "assault": 0.4, "overdose": 0.1, "self_harm": 0.05, "other": 0.3})
    elif age >= 11:
        injury = pick(
            rng,
            {
                "other": 0.9,
                "assault": 0.03,
                "self_harm": 0.03 if child.sex == "M" else 0.06,
                "overdose": 0.01,
                "sexual_health": 0.01 if age >= 15 else 0.0,
                "stab_wound": 0.002 if child.sex == "M" else 0.0003,
            },
        )
    else:
        injury = "other"
    occ.attrs.update(injury=injury, setting=pick(rng, {"ED": 0.7, "UTC": 0.2, "MIU": 0.1}))
    if injury == "stab_wound" and rng.random() < params.response.referral_after_stab:
        return [Occ("referral", occ.t + rng.uniform(0.5, 5), occ.cce, child.address_at(occ.t).area, {"source": "3E"})]
    return []


def _incident(
    rng: random.Random, occ: Occ, child: Child, traj: Trajectory | None, care: list[CarePeriod], params: Parameters
) -> list[Occ]:
    """A police occurrence naming the child as victim, witness or other party."""
    if occ.cce:
        occ.attrs.update(
            role=pick(rng, {"victim": 0.55, "other": 0.3, "witness": 0.15}),
            incident=pick(
                rng, {"assault": 0.35, "robbery": 0.15, "threats": 0.2, "drugs_address_visit": 0.2, "other": 0.1}
            ),
        )
    else:
        occ.attrs.update(
            role=pick(rng, {"victim": 0.45, "witness": 0.25, "other": 0.3}),
            incident=pick(
                rng,
                {
                    "domestic_abuse": 0.35,
                    "assault": 0.2,
                    "robbery": 0.05,
                    "theft": 0.1,
                    "asb": 0.15,
                    "sexual_offence": 0.05,
                    "other": 0.1,
                },
            ),
        )
    return []


def _intel(
    rng: random.Random, occ: Occ, child: Child, traj: Trajectory | None, care: list[CarePeriod], params: Parameters
) -> list[Occ]:
    """Intelligence linking the child to an adult, line, place, vehicle, group or another child."""
    grading = f"{pick(rng, {'1': 0.2, '2': 0.6, '3': 0.2})}/{pick(rng, {'A': 0.1, 'B': 0.4, 'C': 0.35, 'D': 0.15})}/P"
    if occ.cce and traj is not None:
        kinds = {"adult": 0.35, "place": 0.2, "vehicle": 0.1, "group": 0.15}
        if traj.line is not None:
            kinds["deal_line"] = 0.25
        occ.attrs.update(association=pick(rng, kinds), grading=grading, traj=traj)
    else:
        occ.attrs.update(
            association=pick(rng, {"child": 0.5, "adult": 0.2, "place": 0.2, "group": 0.1}), grading=grading, traj=None
        )
    return []


def _passthrough(
    rng: random.Random, occ: Occ, child: Child, traj: Trajectory | None, care: list[CarePeriod], params: Parameters
) -> list[Occ]:
    """VCS concerns: categories as for school concerns, from a youth or RHI worker."""
    dist = CONCERN_CCE if occ.cce else CONCERN_BG
    occ.attrs.update(categories=sorted({pick(rng, dist) for _ in range(rng.choice((1, 2)))}))
    return []


_DETAILERS = {
    "missing": _missing,
    "stop_search": _stop_search,
    "arrest": _arrest,
    "suspension": _school,
    "permanent_exclusion": _school,
    "part_time": _school,
    "school_concern": _school,
    "health": _health,
    "police_incident": _incident,
    "intelligence": _intel,
    "vcs_concern": _passthrough,
}
