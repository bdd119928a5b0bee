"""The catalogue of plan and disruption action types, and which agencies may own each."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ActionType:
    """A kind of action: its label, what it may target, and which agency kinds may own it (None = any)."""

    label: str
    targets: tuple[str, ...]
    owners: tuple[str, ...] | None = None


ACTION_TYPES: dict[str, ActionType] = {
    # Disruption of the adults, places and lines exploiting the child (Home Office county lines guidance).
    "child_abduction_warning_notice": ActionType(
        "Child abduction warning notice (issued by police, not by the child's parents)", ("adult",), ("police",)),
    "closure_order": ActionType("Closure order on a trap house / cuckooed address", ("place",),
                                ("police", "childrens_social_care")),
    "line_takedown": ActionType("Deal line disruption or takedown", ("line",), ("police",)),
    "slavery_trafficking_risk_order": ActionType("Slavery and trafficking risk or prevention order", ("adult",),
                                                 ("police",)),
    "place_patrols": ActionType("Targeted patrols or guardianship at a place", ("place",), None),
    "intelligence_development": ActionType("Develop intelligence on an adult, group or line",
                                           ("adult", "group", "line"), ("police",)),
    # Support for the child.
    "education_placement": ActionType("Education placement or return to school", ("child",),
                                      ("education", "childrens_social_care")),
    "positive_activity": ActionType("Positive activity or mentoring", ("child",), None),
    "relocation_with_safety_plan": ActionType("Relocation with a safety plan", ("child",),
                                              ("childrens_social_care",)),
    "return_home_interview": ActionType("Return home interview", ("child",), None),
    "health_support": ActionType("Health or substance misuse support", ("child",), ("health",)),
    "youth_work": ActionType("Youth work or voluntary sector support", ("child", "group"), None),
    "safety_plan": ActionType("Safety plan with the child and family", ("child",), None),
    "nrm_referral": ActionType("Refer to the National Referral Mechanism", ("child",),
                               ("police", "childrens_social_care", "voluntary_sector")),
    "other": ActionType("Other action", ("child", "adult", "place", "line", "group"), None),
}
