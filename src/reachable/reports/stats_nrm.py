"""NRM referrals of children, reasonable and conclusive grounds decisions, their rates and days to decision."""

from __future__ import annotations

from functools import partial
from typing import Any

from sqlalchemy import Float, and_, case, cast, extract, func, literal, null, select

from reachable.reports import sources as src
from reachable.reports.registry import Statistic, register
from reachable.reports.scope import ReportContext, area_filter, area_key, child_events, event_view, period_of
from reachable.reports.stats_police import NATIONALITY, RESIDENCE, SEXES, YES_NO, residence

TYPES = ("criminal", "sexual", "labour", "domestic_servitude", "unknown")
OUTCOMES = ("positive", "negative")
STAGES = {"rg": "nrm_rg_decision", "cg": "nrm_cg_decision"}
_SOURCE = "events: nrm_referral (referral_ref, exploitation_types, county_lines), nrm_rg_decision, nrm_cg_decision"
_INCLUSION = ("nrm_referral events in the period for children under 18 at referral; one referral per "
              "referral_ref. Type: the first of criminal, sexual, labour, domestic servitude listed (so types "
              "add up). Residence: inside when the child's home council lies in the police force area where "
              "the referral was made. Decisions are matched by referral_ref, whenever they were made.")


def referrals(ctx: ReportContext) -> Any:
    """One row per referral made in the range, with its breakdowns."""
    v = event_view(ctx, ("nrm_referral",), name="nr")
    age = src.age_at(v.dob, v.e.c.occurred_at)
    kind = case(*((src.payload_has(v.e, t), literal(t)) for t in TYPES[:-1]), else_=literal("unknown"))
    return (select(v.e.c.id.label("unit"), v.child.label("child"), period_of(ctx, v.e.c.occurred_at).label("period"),
                   area_key(ctx, v, "event").label("area"), v.force.label("force"), v.e.c.agency_id.label("agency"),
                   src.payload_text(v.e, "referral_ref").label("ref"), v.e.c.occurred_at.label("referred_at"),
                   kind.label("type"), src.yes_no(src.payload_flag(v.e, "county_lines")).label("county_lines"),
                   v.sex.label("sex"), residence(v).label("residence"),
                   src.nationality_group(v.s.c.nationality).label("nationality"))
            .select_from(v.from_)
            .where(v.base, area_filter(ctx, v, "event"), v.dob.is_not(None), age < 18))


def decisions(ctx: ReportContext, stage: str, refs: Any = None) -> Any:
    """Per referral_ref (of `refs` if given): the outcome (positive if any) and the first decision's epoch."""
    v = child_events((STAGES[stage],), name=f"{stage}d")
    decided_on = src.payload_text(v.e, "decided_on")
    epoch = case((decided_on.is_not(None), cast(extract("epoch", func.date(decided_on)), Float)),
                 else_=cast(extract("epoch", v.e.c.occurred_at), Float))
    query = (select(src.payload_text(v.e, "referral_ref").label("ref"),
                    src.payload_text(v.e, "outcome").label("outcome"), epoch.label("epoch"))
             .select_from(v.from_).where(v.base, v.e.c.occurred_at < ctx.end_at))
    if refs is not None:
        # Only the report's referrals can match: filtering first lets PostgreSQL join those few decisions to
        # their links by index instead of hashing every record link.
        query = query.where(src.payload_text(v.e, "referral_ref").in_(refs))
    rows = query.subquery(f"{stage}_rows")
    return ctx.base(f"nrm_{stage}_decisions", select(rows.c.ref, func.max(rows.c.outcome).label("outcome"),
                                                     func.min(rows.c.epoch).label("epoch")).group_by(rows.c.ref))


def _decided(ctx: ReportContext, *, stage: str, days: bool) -> Any:
    """Facts: referrals made in the period with a decision at this stage (value: days to decision)."""
    ref = ctx.base("nrm_referrals", referrals(ctx))
    dec = decisions(ctx, stage, refs=select(ref.c.ref).where(ref.c.ref.is_not(None)))
    referred_day = func.floor(cast(extract("epoch", ref.c.referred_at), Float) / 86400.0)
    value = (func.floor(dec.c.epoch / 86400.0) - referred_day) if days else cast(null(), Float)
    return (select(ref.c.unit, ref.c.child, ref.c.period, ref.c.area, ref.c.force, ref.c.agency,
                   value.label("value"), dec.c.outcome.label("outcome"))
            .select_from(ref.join(dec, and_(dec.c.ref == ref.c.ref))))


register(Statistic(
    id="nrm_referrals", title="NRM referrals of children", unit="referrals",
    definition="NRM referrals made in the period, by exploitation type, county lines flag, sex, residence and "
               "nationality.", inclusion=_INCLUSION, source=_SOURCE,
    agencies=("police", "childrens_social_care"),
    dims={"type": TYPES, "county_lines": YES_NO, "sex": SEXES, "residence": RESIDENCE, "nationality": NATIONALITY},
    area_basis="event", build=referrals))

for _stage, _name in (("rg", "reasonable grounds"), ("cg", "conclusive grounds")):
    register(Statistic(
        id=f"nrm_{_stage}_decisions", title=f"NRM {_name} decisions", unit="referrals",
        definition=f"Referrals made in the period that have received a {_name} decision (by the end of the "
                   "report's range), by outcome.", inclusion=_INCLUSION, source=_SOURCE,
        agencies=("police", "childrens_social_care", "nrm_competent_authority"), dims={"outcome": OUTCOMES},
        area_basis="event", build=partial(_decided, stage=_stage, days=False)))
    register(Statistic(
        id=f"nrm_{_stage}_decision_rate", title=f"Share of referrals with a {_name} decision", unit="percent",
        definition=f"nrm_{_stage}_decisions as a percentage of nrm_referrals.", inclusion="As its inputs.",
        source="derived", agencies=("police", "childrens_social_care", "nrm_competent_authority"),
        groupings=((),), area_basis="event", measure="ratio", numerator=f"nrm_{_stage}_decisions",
        denominator="nrm_referrals", percent=True))
    register(Statistic(
        id=f"nrm_{_stage}_positive_rate", title=f"Share of {_name} decisions that were positive", unit="percent",
        definition=f"Positive nrm_{_stage}_decisions as a percentage of all of them.", inclusion="As its inputs.",
        source="derived", agencies=("nrm_competent_authority",), dims={"outcome": ("positive",)},
        groupings=(("outcome",),), area_basis="event", measure="ratio", numerator=f"nrm_{_stage}_decisions",
        denominator=f"nrm_{_stage}_decisions", percent=True, share_of=("outcome",)))
    register(Statistic(
        id=f"nrm_days_to_{_stage}", title=f"Days from NRM referral to {_name} decision", unit="days",
        definition=f"Calendar days from the referral to the first {_name} decision (payload decided_on, else the "
                   "decision event's date): count, mean and median.", inclusion=_INCLUSION, source=_SOURCE,
        agencies=("nrm_competent_authority",), measure="value", area_basis="event",
        build=partial(_decided, stage=_stage, days=True)))
