"""Every event kind and its payload contract; a payload is validated against its kind before storage."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field


class Payload(BaseModel):
    """Base of every payload: unknown fields are refused so typos cannot hide data."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class OffenceCategory(StrEnum):
    """Arrest offence categories used by the Counting Lives FOI tables."""

    PWITS_CLASS_A = "pwits_class_a"
    POSSESSION_CLASS_A = "possession_class_a"
    OTHER_DRUGS = "other_drugs"
    OFFENSIVE_WEAPON = "offensive_weapon"
    OTHER = "other"


Text = Annotated[str, Field(max_length=2000)]
Short = Annotated[str, Field(min_length=1, max_length=120)]
CinFactor = Annotated[str, Field(pattern=r"^(1[0-9]|2[0-4]|[1-9])[A-F]?$")]


class MissingReported(Payload):
    """A child reported missing (SSDA903 M) or absent (A); risk level as graded by police."""

    missing_type: Literal["M", "A"] = "M"
    from_care: bool = False
    risk_level: Literal["no_apparent_risk", "low", "medium", "high"] | None = None
    episode_ref: Short | None = None


class MissingFound(Payload):
    """A missing child found or returned; where, and whether outside the home area."""

    episode_ref: Short | None = None
    found_location: Text | None = None
    found_area_code: Short | None = None
    found_outside_home_area: bool | None = None
    missing_started_on: date | None = None
    from_care: bool = False


class ReturnInterviewOffered(Payload):
    """A return home interview offered after a missing episode (target: within 72 hours)."""

    episode_ref: Short | None = None
    provider: Short | None = None


class ReturnInterviewAccepted(Payload):
    """A return home interview accepted (or declined) by the child."""

    episode_ref: Short | None = None
    accepted: bool = True


class StopSearch(Payload):
    """A stop and search: legal grounds and what was found."""

    grounds: Literal["drugs", "offensive_weapon", "firearm", "stolen_property", "other"]
    items_found: list[Literal["drugs", "offensive_weapon", "firearm", "cash", "phone", "other"]] = []
    outcome: Short | None = None


class Arrest(Payload):
    """An arrest; a CCE-marked child is still a child at risk, whatever the offence."""

    offence_category: OffenceCategory
    offence_text: Text | None = None
    outcome: Short | None = None
    drugs_concealed_internally: bool = False


class Custody(Payload):
    """A period in police custody."""

    custody_suite: Short | None = None
    released_at: str | None = None
    appropriate_adult: bool | None = None


class SchoolExclusion(Payload):
    """A suspension or permanent exclusion from school."""

    exclusion_type: Literal["suspension", "permanent"]
    days: float | None = Field(default=None, ge=0, le=365)
    reason: Short | None = None
    school_urn: Short | None = None


class PartTimeTimetable(Payload):
    """A reduced (part-time) school timetable."""

    hours_per_week: float | None = Field(default=None, ge=0, le=40)
    school_urn: Short | None = None


class Referral(Payload):
    """A referral to children's services, with the CIN referral source code."""

    referral_source: Short | None = None
    primary_need: Short | None = None
    reason: Text | None = None


class AssessmentCompleted(Payload):
    """An assessment completed, with the CIN census factors identified (e.g. 24A CCE)."""

    factors: list[CinFactor] = []
    assessment_type: Literal["s17", "s47", "s21_wales", "other"] = "s17"


class PlanBoundary(Payload):
    """The start or end of a CIN plan, CP plan or looked-after period."""

    legal_status: Short | None = None
    reason: Short | None = None
    category_of_abuse: Short | None = None


class PlacementChange(Payload):
    """A placement change for a looked-after child: where, how far, who provides it."""

    placement_type: Short | None = None
    provider: Short | None = None
    placement_area_code: Short | None = None
    in_area: bool | None = None
    distance_miles: float | None = Field(default=None, ge=0, le=1000)
    reason: Short | None = None


ExploitationType = Literal["criminal", "sexual", "labour", "domestic_servitude", "unknown"]


class NrmReferralPayload(Payload):
    """An NRM referral by a first responder organisation."""

    referral_ref: Short
    first_responder: Short | None = None
    exploitation_types: list[ExploitationType] = ["criminal"]
    county_lines: bool = False


class NrmDecision(Payload):
    """A reasonable or conclusive grounds decision on an NRM referral."""

    referral_ref: Short
    outcome: Literal["positive", "negative"]
    decided_on: date | None = None


class IntelligenceReport(Payload):
    """Police intelligence linking a child with an adult, deal line, place, vehicle or group."""

    association: Literal["adult", "deal_line", "place", "vehicle", "group", "child"]
    subject_key: Short
    subject_label: Short | None = None
    grading: Short | None = None
    place_type: Short | None = None


class HealthAttendance(Payload):
    """An attendance at A&E or another health service."""

    injury_type: Literal["stab_wound", "assault", "overdose", "self_harm", "sexual_health", "other"] | None = None
    setting: Short | None = None
    safeguarding_concern: bool | None = None


class YouthJusticeIntervention(Payload):
    """A youth justice intervention (out-of-court disposal, referral order, YRO...)."""

    intervention: Short
    ended: bool = False
    offence_category: OffenceCategory | None = None


class ConcernRaised(Payload):
    """A concern raised by any practitioner, with indicator categories."""

    categories: list[
        Literal[
            "unexplained_money", "new_phones", "older_associates", "unexplained_gifts", "travel",
            "injuries", "drug_debt", "missing_school", "change_in_behaviour", "substance_misuse",
            "gang_association", "other",
        ]
    ] = []
    detail: Text | None = None


class EventKind(StrEnum):
    """The canonical event kinds of the multi-agency chronology."""

    MISSING_REPORTED = "missing_reported"
    MISSING_FOUND = "missing_found"
    RETURN_INTERVIEW_OFFERED = "return_interview_offered"
    RETURN_INTERVIEW_ACCEPTED = "return_interview_accepted"
    STOP_SEARCH = "stop_search"
    ARREST = "arrest"
    CUSTODY = "custody"
    SCHOOL_EXCLUSION = "school_exclusion"
    PART_TIME_TIMETABLE = "part_time_timetable"
    REFERRAL = "referral"
    ASSESSMENT_COMPLETED = "assessment_completed"
    CIN_PLAN_START = "cin_plan_start"
    CIN_PLAN_END = "cin_plan_end"
    CP_PLAN_START = "cp_plan_start"
    CP_PLAN_END = "cp_plan_end"
    LOOKED_AFTER_START = "looked_after_start"
    LOOKED_AFTER_END = "looked_after_end"
    PLACEMENT_CHANGE = "placement_change"
    NRM_REFERRAL = "nrm_referral"
    NRM_RG_DECISION = "nrm_rg_decision"
    NRM_CG_DECISION = "nrm_cg_decision"
    INTELLIGENCE_REPORT = "intelligence_report"
    HEALTH_ATTENDANCE = "health_attendance"
    YOUTH_JUSTICE_INTERVENTION = "youth_justice_intervention"
    CONCERN_RAISED = "concern_raised"


PAYLOADS: dict[EventKind, type[Payload]] = {
    EventKind.MISSING_REPORTED: MissingReported,
    EventKind.MISSING_FOUND: MissingFound,
    EventKind.RETURN_INTERVIEW_OFFERED: ReturnInterviewOffered,
    EventKind.RETURN_INTERVIEW_ACCEPTED: ReturnInterviewAccepted,
    EventKind.STOP_SEARCH: StopSearch,
    EventKind.ARREST: Arrest,
    EventKind.CUSTODY: Custody,
    EventKind.SCHOOL_EXCLUSION: SchoolExclusion,
    EventKind.PART_TIME_TIMETABLE: PartTimeTimetable,
    EventKind.REFERRAL: Referral,
    EventKind.ASSESSMENT_COMPLETED: AssessmentCompleted,
    EventKind.CIN_PLAN_START: PlanBoundary,
    EventKind.CIN_PLAN_END: PlanBoundary,
    EventKind.CP_PLAN_START: PlanBoundary,
    EventKind.CP_PLAN_END: PlanBoundary,
    EventKind.LOOKED_AFTER_START: PlanBoundary,
    EventKind.LOOKED_AFTER_END: PlanBoundary,
    EventKind.PLACEMENT_CHANGE: PlacementChange,
    EventKind.NRM_REFERRAL: NrmReferralPayload,
    EventKind.NRM_RG_DECISION: NrmDecision,
    EventKind.NRM_CG_DECISION: NrmDecision,
    EventKind.INTELLIGENCE_REPORT: IntelligenceReport,
    EventKind.HEALTH_ATTENDANCE: HealthAttendance,
    EventKind.YOUTH_JUSTICE_INTERVENTION: YouthJusticeIntervention,
    EventKind.CONCERN_RAISED: ConcernRaised,
}
