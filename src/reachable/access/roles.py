"""The roles and actions Reachable knows: the catalogue the policy and docs/permissions.md are built from."""

from __future__ import annotations

from dataclasses import dataclass

PRACTITIONERS = (
    "social_worker", "team_manager", "police_officer", "police_analyst", "designated_safeguarding_lead",
    "youth_justice_worker", "health_practitioner", "charity_caseworker",
)


@dataclass(frozen=True)
class RoleSpec:
    """A role: who holds it and which kinds of agency may grant it."""

    label: str
    agency_kinds: tuple[str, ...]
    description: str


ANY = ("police", "childrens_social_care", "education", "health", "youth_justice", "voluntary_sector",
       "nrm_competent_authority")
ROLES: dict[str, RoleSpec] = {
    "social_worker": RoleSpec("Social worker", ("childrens_social_care",), "Allocated worker in children's services."),
    "team_manager": RoleSpec("Team manager", ANY, "Manages a team; reviews break-glass use and approves bulk exports."),
    "police_officer": RoleSpec("Police officer", ("police",), "Officer in an exploitation or missing team."),
    "police_analyst": RoleSpec("Police analyst", ("police",), "Intelligence analyst; may see police intelligence."),
    "designated_safeguarding_lead": RoleSpec("Designated safeguarding lead", ("education",),
                                             "A school's safeguarding lead."),
    "youth_justice_worker": RoleSpec("Youth justice worker", ("youth_justice",), "Youth justice service case worker."),
    "health_practitioner": RoleSpec("Health practitioner", ("health",), "Safeguarding nurse or named doctor."),
    "charity_caseworker": RoleSpec("Charity caseworker", ("voluntary_sector",),
                                   "Voluntary-sector worker (e.g. return interviews); sees children through tasks, "
                                   "plans or sharing decisions only."),
    "data_analyst": RoleSpec("Data analyst", ANY, "Produces statistics; never sees a child's details."),
    "administrator": RoleSpec("Administrator", ANY,
                              "Manages users, agreements, retention and the audit for one agency (the DPO's tools); "
                              "handles subject access and erasure; no casework access."),
}
TOKEN_ROLES = ("token:submit_events", "token:read_children", "token:review_links")


@dataclass(frozen=True)
class ActionSpec:
    """An action a route performs: its scope, the roles that may take it and what the audit calls it."""

    scope: str  # public | self | discovery | child | agency | aggregate | token
    roles: tuple[str, ...]
    audit: str | None  # the audit action written when allowed (None: no personal data)
    description: str
    break_glass: bool = False  # whether a break-glass grant opens it without a relationship
    compartment: str | None = None


ACTIONS: dict[str, ActionSpec] = {
    "public": ActionSpec("public", (), None, "No sign-in needed and no personal data (health, sign-in)."),
    "self": ActionSpec("self", (*ROLES,), None, "The signed-in user's own session and profile."),
    "child.discover": ActionSpec("discovery", (*PRACTITIONERS, "token:read_children"), "view",
                                 "Which agencies know a child, with contacts, but none of the details "
                                 "(discovery without disclosure)."),
    "child.view": ActionSpec("child", (*PRACTITIONERS, "token:read_children"), "view",
                             "A child's identity summary.", break_glass=True),
    "child.chronology": ActionSpec("child", (*PRACTITIONERS, "token:read_children"), "view",
                                   "A child's multi-agency chronology (police intelligence only as the "
                                   "intelligence compartment allows).", break_glass=True),
    "child.links": ActionSpec("child", (*PRACTITIONERS, "token:read_children"), "view",
                              "Why each source record is linked to a child.", break_glass=True),
    "child.change": ActionSpec("child", PRACTITIONERS, "change",
                               "Record or change something about a child (markers, tasks, plans, notes)."),
    "child.merge": ActionSpec("child", ("social_worker", "team_manager", "police_analyst", "token:review_links"),
                              "merge", "Merge two children or split records off one (both must be related "
                                       "to the caller's agency)."),
    "identity.review": ActionSpec("agency", ("team_manager", "police_analyst", "token:review_links"), "view",
                                  "The clerical review queue of uncertain record pairs, and decisions on them."),
    "child.intelligence": ActionSpec("child", (*PRACTITIONERS, "token:read_children"), "view",
                                     "Police intelligence about a child: police only, unless a sharing decision "
                                     "shares intelligence with the user's agency.", break_glass=False,
                                     compartment="police_intelligence"),
    "child.share": ActionSpec("child", PRACTITIONERS, "disclose",
                              "Record a decision to share (or not to share) a child's data with another agency."),
    "child.break_glass": ActionSpec("discovery", PRACTITIONERS, "change",
                                    "Open emergency access to a child with no relationship: justification "
                                    "required, time-limited, reviewed by a manager."),
    "child.export": ActionSpec("child", PRACTITIONERS, "disclose",
                               "Export one child's data to a named recipient under an active information "
                               "sharing agreement; redacted by default."),
    "child.audit": ActionSpec("child", ("team_manager", "administrator"), "view",
                              "Who has viewed or received a child's data."),
    "child.sar": ActionSpec("child", ("administrator",), "disclose",
                            "Subject access export for a child, third-party details redacted."),
    "child.erase": ActionSpec("child", ("administrator",), "erase",
                              "Erase or de-list a child: nothing left in search, lists, statistics or exports."),
    "children.list": ActionSpec("agency", PRACTITIONERS, "view",
                                "Lists of children (work lists, cohorts): each item filtered by relationship."),
    "stats.view": ActionSpec("aggregate", ("data_analyst", "team_manager", "police_analyst", "administrator"),
                             None, "Aggregate statistics with small numbers suppressed; no child details."),
    "bulk.export": ActionSpec("agency", ("data_analyst", "team_manager", "administrator"), "disclose",
                              "Request or download a bulk export (needs an agreement and a second approver)."),
    "bulk.approve": ActionSpec("agency", ("team_manager", "administrator"), "change",
                               "Approve someone else's bulk export request."),
    "breakglass.review": ActionSpec("agency", ("team_manager", "administrator"), "view",
                                    "Review break-glass access by users of the same agency."),
    "users.admin": ActionSpec("agency", ("administrator",), "admin",
                              "Create, change and disable users of the same agency (never oneself)."),
    "audit.read": ActionSpec("agency", ("administrator",), "view",
                             "Verify the audit chain, export it (ICO, subject access), read misuse alerts."),
    "isa.manage": ActionSpec("agency", ("administrator",), "change",
                             "Record information sharing agreements the agency is party to."),
    "isa.read": ActionSpec("agency", (*ROLES,), None, "List the agreements the user's agency is party to."),
    "retention.manage": ActionSpec("agency", ("administrator",), "change",
                                   "See records due for review, record review decisions, run disposal."),
    "events.submit": ActionSpec("token", ("token:submit_events",), "collect",
                                "An agency system submits its own agency's events."),
}


def permissions_markdown() -> str:
    """docs/permissions.md, generated from the catalogue (a test keeps the file current)."""
    lines = ["# Roles and permissions", "",
             "Generated from `src/reachable/access/roles.py` by `permissions_markdown()`; "
             "`tests/access/test_docs_access.py` fails if this file is stale. The single policy function is "
             "`reachable.access.policy.decide`; every cell below is exercised by the authorisation matrix test "
             "(`tests/access/test_route_matrix.py`, every route × role × relationship case).", "",
             "## How a decision is made", "",
             "1. Unknown action → refused (deny by default). Not signed in → refused.",
             "2. The caller's role must be listed for the action.",
             "3. Child-scoped actions also need a **legitimate relationship** between the caller's agency and the "
             "child: resident in the agency's area (a council, a district of it, or inside the police force area); "
             "placed in that area; the agency holds records about the child; an open task, open plan (or plan "
             "action) or open NRM referral involving the agency; or a recorded sharing decision (the latest "
             "decision wins, so a later *decline* withdraws an earlier *share*).",
             "4. Police intelligence (the `police_intelligence` compartment) is visible only to police agencies, "
             "unless police recorded a sharing decision with scope `intelligence` for the caller's agency.",
             "5. Where the action allows it, an active **break-glass** grant (justified, 4 hours, reviewed by a "
             "manager) stands in for a relationship; it never opens the intelligence compartment or writes.",
             "6. Person-level exports also need an information sharing agreement in force to which both the "
             "caller's agency and the recipient are party.",
             "7. Agency-scoped actions act only on objects of the caller's own agency.", "",
             "Without a relationship a practitioner may still learn **which agencies know the child and whom to "
             "contact** (`child.discover`): discovery without disclosure.", "",
             "## Roles", "", "| role | label | agency kinds | description |", "|---|---|---|---|"]
    for name, role in ROLES.items():
        lines.append(f"| `{name}` | {role.label} | {', '.join(role.agency_kinds)} | {role.description} |")
    lines += ["", "Agency systems call with API tokens scoped to one agency and one purpose; the policy sees them "
              f"as the roles {', '.join(f'`{r}`' for r in TOKEN_ROLES)}.", "",
              "## Actions", "", "| action | scope | roles | break-glass | audited as | description |",
              "|---|---|---|---|---|---|"]
    for name, spec in ACTIONS.items():
        roles = ", ".join(f"`{r}`" for r in spec.roles) or "anyone"
        lines.append(f"| `{name}` | {spec.scope} | {roles} | {'yes' if spec.break_glass else 'no'} | "
                     f"{spec.audit or '-'} | {spec.description} |")
    return "\n".join(lines) + "\n"
