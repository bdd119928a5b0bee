"""A rule file's contract: trigger (event kinds + conditions), actions, jurisdiction; checked when loaded."""

from __future__ import annotations

import string
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from reachable.records.schemas import PAYLOADS, EventKind

Country = Literal["England", "Wales"]
Localised = str | dict[Country, str]
Owner = Literal["home_csc", "home_police", "event_agency", "event_police", "first_responder", "marker_owner"]

# Facts a condition may test, besides payload.<field> of the triggering event (see docs/rules.md).
FACTS = {
    "event.kind": "the event kind",
    "event.role": "the child's role in the event (child_at_risk, victim, suspect, witness, other)",
    "event.agency_kind": "kind of the recording agency (police, childrens_social_care, education…)",
    "event.area_code": "ONS code of where it happened",
    "event.outside_home_area": "true when it happened outside the child's home council and its police force area",
    "child.age": "age in whole years on the day of the event (unknown date of birth: no value)",
    "child.sex": "M, F or U",
    "child.looked_after": "true while a looked-after period is open (looked_after_start without an end)",
    "child.cp_plan": "true while a child protection plan is open",
    "child.cin_plan": "true while a child in need plan is open",
    "child.nrm_referred": "true once an NRM referral is on the chronology",
    "child.home_country": "England or Wales (the home council's country)",
    "child.markers": "codes of the child's active markers (use contains_any)",
}
# Kinds the engine always reads back: care, plans and NRM status decide the home area and status facts.
STATUS_KINDS = ("looked_after_start", "looked_after_end", "cp_plan_start", "cp_plan_end", "cin_plan_start",
                "cin_plan_end", "nrm_referral", "nrm_rg_decision", "nrm_cg_decision")
TEMPLATE_FIELDS = {
    "child": "the child's reference", "event_kind": "kind of the triggering event",
    "event_time": "when it happened (UK format, UTC)", "event_agency": "name of the agency that recorded it",
    "event_agency_code": "its code", "event_area": "name of the area where it happened", "place": "place text",
    "home_area": "the child's home (responsible) council", "home_police": "the home council's police force",
    "nrm_status": "the child's NRM status from the chronology", "offence": "offence category of an arrest",
    "episode": "missing episode reference", "count": "how many events the history window counted",
    "markers": "the child's active marker codes", "age": "the child's age",
}


class Window(BaseModel):
    """A history window: at least N distinct events of these kinds in the last D days (this one included)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kinds: list[EventKind]
    within_days: Annotated[int, Field(ge=1, le=3650)]
    at_least: Annotated[int, Field(ge=1, le=1000)] = 1
    where: Condition | None = None


class Condition(BaseModel):
    """One test on a fact, or a group (all / any / not), or a history window; exactly one form per node."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    fact: str | None = None
    eq: Any = None
    ne: Any = None
    in_: list[Any] | None = Field(default=None, alias="in")
    not_in: list[Any] | None = None
    lt: float | None = None
    le: float | None = None
    gt: float | None = None
    ge: float | None = None
    contains_any: list[Any] | None = None
    exists: bool | None = None
    all: list[Condition] | None = None
    any: list[Condition] | None = None
    not_: Condition | None = Field(default=None, alias="not")
    history: Window | None = None

    @model_validator(mode="after")
    def _one_form(self) -> Condition:
        """A node is a fact test with exactly one operator, or exactly one group or window."""
        groups = [name for name in ("all", "any", "not_", "history") if getattr(self, name) is not None]
        operators = [name for name in self.operators() if getattr(self, name) is not None]
        if self.fact is not None:
            if groups or len(operators) != 1:
                raise ValueError(f"condition on {self.fact!r} needs exactly one operator "
                                 f"(eq, ne, in, not_in, lt, le, gt, ge, contains_any, exists), got {operators}")
            if self.fact not in FACTS and not self.fact.startswith("payload."):
                raise ValueError(f"unknown fact {self.fact!r}; known: payload.<field>, {', '.join(FACTS)}")
        elif len(groups) != 1 or operators:
            raise ValueError("a condition is a fact test, or exactly one of all / any / not / history")
        return self

    @staticmethod
    def operators() -> tuple[str, ...]:
        """The operator fields, in the order they are checked."""
        return ("eq", "ne", "in_", "not_in", "lt", "le", "gt", "ge", "contains_any", "exists")

    def window_kinds(self) -> set[str]:
        """The event kinds every history window in this condition tree looks back at."""
        found = {kind.value for kind in self.history.kinds} if self.history else set()
        for child in [*(self.all or []), *(self.any or []), *([self.not_] if self.not_ else [])]:
            found |= child.window_kinds()
        return found

    def payload_fields(self) -> set[str]:
        """Every payload field this condition (and its children, not windows) mentions."""
        found = {self.fact[8:]} if self.fact and self.fact.startswith("payload.") else set()
        for child in [*(self.all or []), *(self.any or []), *([self.not_] if self.not_ else [])]:
            found |= child.payload_fields()
        return found


class Due(BaseModel):
    """A deadline: hours or working days (Monday to Friday) from the event, or from when we heard of it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    hours: Annotated[float, Field(gt=0, le=24 * 366)] | None = None
    working_days: Annotated[int, Field(ge=1, le=260)] | None = None
    from_: Literal["event", "ingest"] = Field(default="event", alias="from")

    @model_validator(mode="after")
    def _one_unit(self) -> Due:
        """Exactly one of hours or working_days."""
        if (self.hours is None) == (self.working_days is None):
            raise ValueError("due needs exactly one of hours or working_days")
        return self


class TaskAction(BaseModel):
    """Create a task (or a review, or a notice) for an agency role in the responsible area."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    type: Literal["task", "review", "notice"]
    owner: Owner | list[Owner] = "home_csc"
    role: Annotated[str, Field(min_length=2, max_length=40)]
    team: str | None = None
    title: Localised
    detail: Localised | None = None
    due: Due
    manager_only: bool = False
    only_if: Condition | None = None


class MarkerAction(BaseModel):
    """Set a marker (if the recording agency may set it) or only propose it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["marker"]
    code: str
    mode: Literal["set", "propose"] = "set"
    reason: Localised


class CloseTasksAction(BaseModel):
    """Close the child's open tasks from other rules, e.g. when the RHI is offered."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["close_tasks"]
    rules: list[str]
    outcome: Literal["done", "referred", "no_further_action"] = "done"
    reason: Localised
    match: list[str] = []


class CinFactorsAction(BaseModel):
    """Set or support the markers matching the CIN census factors the assessment recorded."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["cin_factor_markers"]


Action = Annotated[TaskAction | MarkerAction | CloseTasksAction | CinFactorsAction, Field(discriminator="type")]


class Trigger(BaseModel):
    """When a rule is considered: on events of these kinds, or on a schedule; and the conditions that must hold."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kinds: list[EventKind] = []
    schedule: Literal["marker_review_due"] | None = None
    when: Condition | None = None

    @model_validator(mode="after")
    def _kinds_or_schedule(self) -> Trigger:
        """A rule fires on event kinds or on a schedule, not both."""
        if bool(self.kinds) == bool(self.schedule):
            raise ValueError("trigger needs event kinds or a schedule (exactly one)")
        return self


class Dedupe(BaseModel):
    """What counts as the same reachable moment: one incident, or once per child per window."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    per: Literal["incident", "child"] = "incident"
    within_days: Annotated[int, Field(ge=1, le=3650)] = 90
    same_incident_hours: Annotated[float, Field(ge=0, le=72)] = 6


class RuleSpec(BaseModel):
    """One declarative reachable-moment rule (a YAML file), built-in or local, loaded the same way."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9]*([.-][a-z0-9]+)*$", max_length=80)]
    version: Annotated[str, Field(pattern=r"^[0-9]+(\.[0-9]+){0,2}$")]
    title: Annotated[str, Field(min_length=5, max_length=200)]
    summary: str
    guidance: Localised
    recommendation: str | None = None
    jurisdiction: list[Country]
    trigger: Trigger
    actions: Annotated[list[Action], Field(min_length=1)]
    dedupe: Dedupe = Dedupe()
    stale_after_days: Annotated[int, Field(ge=1, le=3650)] = 30
    enabled: bool = True

    @model_validator(mode="after")
    def _consistent(self) -> RuleSpec:
        """Payload fields exist on a trigger kind, templates use known fields, texts cover each jurisdiction."""
        fields = self.trigger.when.payload_fields() if self.trigger.when else set()
        known = {name for kind in self.trigger.kinds for name in PAYLOADS[kind].model_fields}
        unknown = sorted(fields - known) if self.trigger.kinds else []
        if unknown:
            raise ValueError(f"payload field(s) {unknown} are not on any trigger kind "
                             f"({', '.join(k.value for k in self.trigger.kinds)})")
        for text in self.texts():
            if isinstance(text, dict):
                missing = [country for country in self.jurisdiction if country not in text]
                if missing:
                    raise ValueError(f"text {next(iter(text.values()))[:40]!r}… has no wording for {missing}")
            for value in text.values() if isinstance(text, dict) else [text]:
                names = {name for _, name, _, _ in string.Formatter().parse(value) if name}
                if names - TEMPLATE_FIELDS.keys():
                    raise ValueError(f"unknown template field(s) {sorted(names - TEMPLATE_FIELDS.keys())} in "
                                     f"{value[:60]!r}; known: {', '.join(TEMPLATE_FIELDS)}")
        return self

    def window_kinds(self) -> set[str]:
        """Every kind the rule's history windows (in its trigger or actions) look back at."""
        conditions = [self.trigger.when] + [a.only_if for a in self.actions if isinstance(a, TaskAction)]
        return {kind for c in conditions if c is not None for kind in c.window_kinds()}

    def texts(self) -> list[Localised]:
        """Every localisable text of the rule (guidance, titles, details, reasons)."""
        found: list[Localised] = [self.guidance]
        for action in self.actions:
            if isinstance(action, TaskAction):
                found += [action.title] + ([action.detail] if action.detail else [])
            elif isinstance(action, MarkerAction | CloseTasksAction):
                found.append(action.reason)
        return found


def localise(text: Localised | None, country: str) -> str:
    """The wording for a country (England wording when a country has none)."""
    if text is None:
        return ""
    if isinstance(text, str):
        return text
    return text.get(country) or text.get("England") or next(iter(text.values()))  # type: ignore[call-overload]


def as_data(rule: RuleSpec) -> dict[str, Any]:
    """The rule as plain data (for `rules show` and the API)."""
    return rule.model_dump(mode="json", by_alias=True, exclude_none=True)


Window.model_rebuild()
