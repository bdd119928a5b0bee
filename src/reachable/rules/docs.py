"""docs/rules.md, generated from the built-in rule files (a test keeps it current)."""

from __future__ import annotations

from reachable.rules.conditions import describe
from reachable.rules.registry import Registry, load_registry
from reachable.rules.spec import (
    FACTS,
    TEMPLATE_FIELDS,
    CinFactorsAction,
    CloseTasksAction,
    Condition,
    Localised,
    MarkerAction,
    RuleSpec,
    TaskAction,
)

OWNERS = {
    "home_csc": "children's social care of the child's home council (the placing council for a looked-after child)",
    "home_police": "the police force covering the home council",
    "event_agency": "the agency that recorded the event",
    "event_police": "the police force for the area where it happened",
    "first_responder": "NRM first responder: the police force or council that recorded the event, else the home "
                       "council",
    "marker_owner": "the agency that set the marker (for a proposal, the home council)",
}

INTRO = """# Reachable-moment rules

Generated from `src/reachable/rules/builtin/*.yaml` by `reachable rules docs`; do not edit by hand.

Each rule is a YAML file with an `id`, a `version`, a `title`, the `guidance` or statute it implements (worded per
country), its `jurisdiction` (England, Wales), a `trigger` and `actions`. Built-in rules and the files of the local
rules folder (`REACHABLE_RULES_DIR`) are loaded and validated the same way; a local file with a built-in's id
replaces it (`enabled: false` switches it off). `reachable rules test` validates rule files and runs events
through them; a bad file is refused with file, line, field and reason.

## How rules run

- **At ingest, in the same transaction.** After an event is stored and linked to a child, every enabled rule for
  its kind is evaluated, in event-time order per child. A firing is stored in `rule_firings` with the rule id and
  version, the reason (each condition that held, in words), the evidence event ids and the facts used (home area,
  jurisdiction, age, markers, looked-after status). Its tasks and markers are written in the same transaction.
- **A chunk at a time.** A bulk import hands the rules thousands of events at once: the children's chronologies,
  markers, open tasks and earlier firings are read in a few queries for the whole chunk, every event is evaluated
  in memory (a later event of the chunk sees what an earlier one fired, set or closed), and the chunk's firings,
  tasks, markers and marker history are then written with one multi-row insert each. A single event (the API) is
  a chunk of one.
- **Jurisdiction.** The child's responsible council decides: England (Children Act 1989 s17/s47) or Wales (SSWBA
  2014 s21). The responsible council is the placing council while a looked-after period is open, otherwise the
  child's home council (a district's county council); the home police force is the force covering it.
- **The same moment never fires twice.** Replaying history, re-importing a file, a corrected version of an event,
  or the same incident reported by another agency's extract creates no duplicate. For `dedupe: incident` (the
  default) an event repeats an earlier firing of the same rule for the same child when it has the same
  `incident_ref`, **or** it is of the same kind and happened within `same_incident_hours` (default 6) of it:
  agencies rarely share a reference, and one child is rarely arrested twice in six hours. A repeat is added to the
  earlier firing's evidence. For `dedupe: child` a rule fires at most once per child within `within_days`. A
  unique key (rule, child, incident) and a per-child lock keep concurrent imports from racing.
- **History windows** count distinct incidents: reports of one episode by several agencies within 6 hours count
  once.
- **Old events.** An event older than the rule's `stale_after_days` (default 30) when it arrives still records a
  firing (mode `historical`, counted in metrics) and still sets markers, but creates no tasks.
- **Deadlines** are hours or working days (Monday to Friday) from the event (statutory timescales), or `from:
  ingest` (from when Reachable heard of it: notices). Overdue tasks escalate to a manager (`reachable tasks
  escalate`); scheduled rules run with `reachable rules sweep`.
- **Proposals.** A marker action sets the marker when the agency that recorded the event may set that code
  (docs/markers.md); otherwise it proposes it for the home council to confirm or reject.

## Performance

Targets (issue 6): the rules add at most 5 ms p99 to an event's ingest, and bulk import with rules on stays at
20,000 events/s or more. Measured by `python -m bench.bench_rules --scale smoke` (2,000 events about 150
children: single-event ingests, then chunks of 1,000; results in `bench/results/rules-smoke.md`), on the shared
2-core development machine; wall times grow with its load average, so the CPU time and SQL statement counts are
the comparable figures. The 14:07 run predates the changes below.

| figure | SQLite | PostgreSQL | run |
|---|---|---|---|
| rules p99 per single-event ingest, wall | 4.36 ms (met) | 7.97 ms (**not met**) | 27/11/2026 14:07, load 2.9 |
| the same, CPU of the ingesting process | 4.14 ms | 5.85 ms | 27/11/2026 14:07, load 2.9 |
| SQL statements per single event, p50 / p99 | 6 / 14 | 6 / 15 | both runs |
| rules stage alone in bulk (chunks of 1,000) | 7,172 events/s | 2,427 events/s | 14:07, load 2.8 |
| bulk import with rules on (store, link, rules) | 1,018 events/s (**not met**) | 520 (**not met**) | 14:07, load 2.8 |
| SQL statements of the rules stage per chunk of 1,000, before → after | 147 → 25 | ? → 26 | 27/11/2026 16:20 |
| p99 per event, wall, before → after (slower machine) | 10.2 → 7.7 ms | 17.6 → 18.3 ms | 27/11 18:36, load 1.0 |
| rules stage in bulk, before → after (same) | 3,554 → 3,198 events/s | 1,266 → 1,245 | 27/11 18:36, load 1.0 |

The 18:36–18:40 rows ran the code before these changes (commit 7e2b05c) and after them back to back on a
quiet machine that is slower than the 14:07 one (bulk ingest of the old code: 16,000 against 27,700 events/s).
They show no measurable speed-up from the statement cut: the rules stage is bound by Python work per event.
What fired was identical (1,014 firings, 1,231 tasks, and the same simulated-world measure).

**Per event, 27 Nov 2026 (evening, quiet machine, same command).** Start of the session (commit 21a9047) against
the end (1cba91d), 21:44 and 22:29 UTC, load 0.6–1.7; what fired was identical again (1,014 firings, 1,231 tasks):

| figure | SQLite before → after | PostgreSQL before → after |
|---|---|---|
| rules p50 / p99 per event, wall | 3.14 / 10.06 → 1.58 / 7.67 ms | 6.98 / 25.67 → 2.67 / 13.05 ms (**no**) |
| SQL statements of the rules stage per event, p50 / p99 | 6 / 14 → 3 / 10 | 6 / 15 → 2 / 11 |
| bulk import (`ingest_files`, chunks of 1,000), rules on / off, 23:06 | 2,182 / 4,048 ev/s | 691 / 1,312 ev/s |
| the rules stage alone in that import, 23:06 | 4,521 events/s | 1,482 events/s |

Repeated runs of the same code gave per-event p99 between 6.4 and 8.5 ms on SQLite and between 13.0 and 17.4 ms on
PostgreSQL (the 23:06 run of the command: 7.95 and 17.38 ms): p99 over 2,000 events moves by milliseconds from run
to run. The bulk rows now import the stream as a canonical file through the bulk path (`reachable ingest`'s);
until 27 Nov 2026 they stored it row by row in batches (1,018 / 520 events/s with rules at 14:07 above).
What changed: the stored events reach the rules from the store call (`StoreResult`'s private rows) instead of
being read back; a child's records and chronology (with agency codes and names) are one outer-joined statement
(`identity.linked_histories` → `records.events_of_linked`) instead of three; the statements run per event are
built once with expanding parameters (building them cost as much as running them on SQLite); agencies are read
once per transaction (`db.uow.memo`); and the per-event run settles its heap after start-up as a server worker
does (`api.app.settle_heap`: a full garbage collection over the 180,000 objects start-up makes took 110–140 ms).

How the chunk keeps its cost down: the chunk's chronologies, markers, open tasks and earlier firings are read in a
few statements; new markers are written with one multi-row insert (the ORM wrote one statement per marker: 247
of a chunk's 294 statements), firings and tasks with one insert each, marker history with one; the statements run
for every event (earlier firings, open markers and tasks, firing and task inserts, the per-child lock) are built
once per process; each event's look-back (`before`) is worked out once.

**Per event, 28 Nov 2026 (a quiet 2-core AMD EPYC machine, not the one above).** Each child's summary (reference,
date of birth, sex, home area) now comes in the same statement as its records and chronology
(`identity.linked_histories`), one statement less for every evaluated event. Back to back against the code at
the start of the session (d0872cd), twice each, with `bench_rules.per_event` on the smoke stream: SQLite p99
3.79 / 3.49 → 3.74 / 3.34 ms, PostgreSQL p99 11.60 / 9.66 → 8.26 / 11.20 ms (p50 2.49 / 2.04 → 1.51 / 1.95 ms);
the same 1,014 firings and 1,231 tasks. `python -m bench.bench_rules --scale smoke` at 00:57 UTC gave SQLite
p99 5.14 ms and PostgreSQL 11.99 ms (`bench/results/rules-smoke.md`): on SQLite the target is met in some runs
and missed in others; on PostgreSQL it is **not met** (an event that fires runs 9–10 statements and about 6–8 ms
of Python). Bulk, same run: rules stage alone 4,379 events/s (SQLite) and 2,107 (PostgreSQL); **not met**.

What is left:

- **Per event on PostgreSQL.** An event that fires still runs about 10 statements (the child, its chronology,
  the per-child lock, earlier firings, owning agencies, markers, then the firing, task, marker and marker-history
  writes), each a round trip of 0.3–2 ms on this machine, most of it waiting for the server. Reaching 5 ms at p99
  needs the writes in one round trip (on PostgreSQL, one statement inserting the firing, its tasks and markers
  with their history through data-modifying CTEs) and the child and chronology in one. A process-wide agency
  cache is not safe (a restore or a test's `TRUNCATE … RESTART IDENTITY` reuses ids); the per-transaction memo is.
- **Bulk at 20,000 events/s.** The rules stage is bound by Python work per event (facts, conditions, reasons,
  task texts: about 0.14 ms per event on a quiet machine, 7,172 events/s), and the import path before the rules
  (store and link, issue 4) runs at about 1,350 / 740 events/s without rules in the same benchmark. Next steps: read the
  chunk's events as rows rather than ORM objects, skip building facts for events whose kinds have only payload
  conditions that fail, and write firings and tasks with COPY on PostgreSQL (ids from `allocate_ids`).
- `tests/rules/test_chunk_world.py` checks, on a simulated world, that one chunk and one event at a time give the
  same firings, tasks, markers and marker history; keep it passing when changing the chunk.

## Facts a condition can test

| fact | meaning |
|---|---|
| `payload.<field>` | a field of the event's payload (docs/events.md); checked against the trigger kinds |
"""


def _text(value: Localised | None) -> str:
    """A localised text as markdown (each country's wording when they differ)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return "; ".join(f"**{country}:** {text}" for country, text in value.items())


def condition_lines(condition: Condition, depth: int = 0) -> list[str]:
    """A condition tree as nested markdown bullets."""
    pad = "  " * depth
    if condition.fact is not None:
        return [f"{pad}- `{describe(condition)}`"]
    if condition.history is not None:
        window = condition.history
        kinds = ", ".join(kind.value for kind in window.kinds)
        lines = [f"{pad}- at least {window.at_least} distinct {kinds} incident(s) in the last {window.within_days} "
                 "days (this event included)"]
        return lines + (condition_lines(window.where, depth + 1) if window.where else [])
    if condition.not_ is not None:
        return [f"{pad}- not:", *condition_lines(condition.not_, depth + 1)]
    label = "all of" if condition.all is not None else "any of"
    return [f"{pad}- {label}:", *[line for child in (condition.all or condition.any or [])
                                   for line in condition_lines(child, depth + 1)]]


def action_lines(rule: RuleSpec) -> list[str]:
    """Each action of a rule in words."""
    lines = []
    for action in rule.actions:
        if isinstance(action, TaskAction):
            owners = action.owner if isinstance(action.owner, list) else [action.owner]
            due = (f"{action.due.hours:g} hours" if action.due.hours is not None
                   else f"{action.due.working_days} working day(s)")
            lines.append(f"- **{action.type}** for role `{action.role}` of {' and '.join(f'`{o}`' for o in owners)}, "
                         f"due {due} from the {action.due.from_}"
                         + (" — only a manager may close it" if action.manager_only else "")
                         + f": {_text(action.title)}")
            if action.only_if is not None:
                lines += ["  - only if:", *condition_lines(action.only_if, 2)]
        elif isinstance(action, MarkerAction):
            lines.append(f"- **marker** `{action.code}` ({action.mode}): {_text(action.reason)}")
        elif isinstance(action, CloseTasksAction):
            lines.append(f"- **close tasks** of {', '.join(f'`{r}`' for r in action.rules)} as `{action.outcome}`"
                         + (f", matching {', '.join(action.match)}" if action.match else ""))
        elif isinstance(action, CinFactorsAction):
            lines.append("- **set or support the markers** matching the CIN factors (docs/markers.md)")
    return lines


def rule_section(rule: RuleSpec) -> list[str]:
    """One rule's section of docs/rules.md."""
    trigger = (f"events of kind {', '.join(f'`{k.value}`' for k in rule.trigger.kinds)}" if rule.trigger.kinds
               else f"the schedule `{rule.trigger.schedule}`")
    dedupe = (f"once per child in {rule.dedupe.within_days} days" if rule.dedupe.per == "child"
              else f"once per incident (same reference, or same kind within {rule.dedupe.same_incident_hours:g} h)")
    lines = ["", f"## `{rule.id}` (version {rule.version})", "", f"**{rule.title}**", "", rule.summary.strip(), "",
             f"- Implements: {_text(rule.guidance)}"]
    if rule.recommendation:
        lines.append(f"- Recommendation: {rule.recommendation.strip()}")
    lines += [f"- Jurisdiction: {', '.join(rule.jurisdiction)}", f"- Trigger: {trigger}",
              f"- Fires: {dedupe}; events older than {rule.stale_after_days} days create no tasks"]
    if rule.trigger.when is not None:
        lines += ["- Conditions:", *condition_lines(rule.trigger.when, 1)]
    return [*lines, "", "Actions:", "", *action_lines(rule)]


def rules_markdown(registry: Registry | None = None) -> str:
    """The whole of docs/rules.md for the built-in rules."""
    registry = registry or load_registry(None)
    lines = [INTRO.rstrip("\n ")]
    lines += [f"| `{name}` | {meaning} |" for name, meaning in FACTS.items()]
    lines += ["", "## Owners", "", "| owner | who |", "|---|---|"]
    lines += [f"| `{name}` | {meaning} |" for name, meaning in OWNERS.items()]
    lines += ["", "## Template fields (titles and details)", "", "| field | value |", "|---|---|"]
    lines += [f"| `{{{name}}}` | {meaning} |" for name, meaning in TEMPLATE_FIELDS.items()]
    lines += ["", "## Built-in rules", "", "| id | version | title | jurisdiction |", "|---|---|---|---|"]
    builtins = [item.spec for _, item in sorted(registry.rules.items()) if item.builtin]
    lines += [f"| `{r.id}` | {r.version} | {r.title} | {', '.join(r.jurisdiction)} |" for r in builtins]
    for rule in builtins:
        lines += rule_section(rule)
    return "\n".join(lines) + "\n"
