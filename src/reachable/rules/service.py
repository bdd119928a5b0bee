"""Reachable-moment rules: the registry, running the engine at ingest, scheduled sweeps, firings and metrics."""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reachable.areas import service as areas
from reachable.common.dates import utcnow
from reachable.config import get_settings
from reachable.identity import service as identity
from reachable.markers import service as markers
from reachable.records.schemas import StoreResult
from reachable.rules.actions import due_at
from reachable.rules.engine import RunResult, run_events
from reachable.rules.facts import upper_tier
from reachable.rules.models import RuleFiring
from reachable.rules.registry import LoadedRule, Registry, load_registry
from reachable.rules.schemas import MetricsRow, RuleOut
from reachable.rules.spec import RuleSpec, TaskAction, localise
from reachable.tasks import service as tasks
from reachable.tasks.schemas import TaskSpec

_cache: dict[tuple[str, tuple[tuple[str, float], ...]], Registry] = {}


def registry(*, rules_dir: Path | None = None, use_settings: bool = True) -> Registry:
    """The rules in force: built-ins plus the local folder (settings.rules_dir), reloaded when a file changes."""
    folder = rules_dir if rules_dir is not None or not use_settings else _settings_rules_dir(
        os.environ.get("REACHABLE_RULES_DIR"))
    stamp = tuple(sorted((str(p), p.stat().st_mtime) for p in folder.glob("*.y*ml"))) if folder and folder.is_dir() \
        else ()
    key = (str(folder), stamp)
    if key not in _cache:
        _cache.clear()
        _cache[key] = load_registry(folder)
    return _cache[key]


@cache
def _settings_rules_dir(_environment_value: str | None) -> Path | None:
    """settings.rules_dir, read again only when its environment variable changes (it is read per event)."""
    return get_settings().rules_dir


def list_rules(*, rules: Registry | None = None) -> list[RuleOut]:
    """Every registered rule, by id."""
    rules = rules or registry()
    return [RuleOut(id=item.spec.id, version=item.spec.version, title=item.spec.title,
                    jurisdiction=list(item.spec.jurisdiction), kinds=[k.value for k in item.spec.trigger.kinds],
                    schedule=item.spec.trigger.schedule, source=item.source, builtin=item.builtin,
                    enabled=item.spec.enabled)
            for _, item in sorted(rules.rules.items())]


def get_rule(*, rule_id: str, rules: Registry | None = None) -> LoadedRule:
    """One rule by id (NotFound listing the ids if there is none)."""
    return (rules or registry()).get(rule_id)


def run_for_events(session: Session, *, event_ids: Sequence[int], child_ids: Sequence[int],
                   now: datetime | None = None, rules: Registry | None = None,
                   stored: StoreResult | None = None) -> RunResult:
    """Run every rule on newly stored events inside the ingest's unit of work (no commit here)."""
    return run_events(session, registry=rules or registry(), event_ids=event_ids, child_ids=child_ids,
                      now=now or utcnow(), stored=stored)


def _marker_review_tasks(session: Session, rule: RuleSpec, now: datetime) -> list[str]:
    """One review task per marker whose review (or proposal decision) is due, for the agency that set it."""
    created = []
    for marker in markers.due_reviews(session, now=now):
        code = markers.get_code(marker.code)
        for index, action in enumerate(rule.actions):
            if not isinstance(action, TaskAction):
                continue
            what = "decide on the proposed" if marker.status == "proposed" else "review the"
            values = {"child": str(marker.child_id), "markers": marker.code}
            agency_id, area_code = _marker_owner(session, marker)
            spec = TaskSpec(
                kind=action.type, child_id=marker.child_id, owner_agency_id=agency_id, owner_area_code=area_code,
                title=f"{localise(action.title, 'England').format_map(_Missing(values))}: {what} "
                      f"'{code.label}' marker"[:300],
                detail=(f"Marker {marker.id} ({marker.code}) was due for review on "
                        f"{marker.review_due_at:%d/%m/%Y}. Review it (it stays, next review in {code.review_days} "
                        f"days) or end it with the reason. Ending rule: {code.ending}"),
                owner_role=action.role, owner_team=action.team, due_at=due_at(action.due, event_at=now, now=now),
                rule_id=rule.id,
                rule_version=rule.version,
                dedupe_key=f"{rule.id}|marker:{marker.id}|{marker.review_due_at:%Y%m%d}|{index}",
                evidence={"marker_id": marker.id, "event_ids": marker.evidence_event_ids.get("ids", []),
                          "reason": f"marker {marker.id} review due {marker.review_due_at:%Y-%m-%d}"})
            task = tasks.create_task(session, spec=spec, at=now)
            if task is not None:
                created.append(f"review task {task.id} for marker {marker.id}")
    return created


def _marker_owner(session: Session, marker: Any) -> tuple[int | None, str | None]:
    """Who reviews a marker: the agency that set it; for a proposal, the child's home council."""
    if marker.status == "active" and marker.set_by_agency_id is not None:
        agency = areas.agencies_by_id(session, ids={marker.set_by_agency_id})[marker.set_by_agency_id]
        return agency.id, agency.area_code
    home = upper_tier(session, identity.get_child(session, child_id=marker.child_id).home_area_code)
    if home is None:
        return None, None
    agency = areas.ensure_agency(session, code=f"CSC-{home}")
    return agency.id, agency.area_code


class _Missing(dict[str, str]):
    """Template values where anything not known reads as blank."""

    def __missing__(self, key: str) -> str:
        """Unknown fields are left empty in scheduled texts."""
        return ""


def sweep(session: Session, *, now: datetime | None = None, rules: Registry | None = None) -> list[str]:
    """Run the scheduled rules (marker reviews due) and escalate overdue tasks; safe to run repeatedly."""
    now = now or utcnow()
    done: list[str] = []
    for rule in (rules or registry()).by_schedule.get("marker_review_due", []):
        done += _marker_review_tasks(session, rule, now)
    done += [f"escalated task {task.parent_task_id} as task {task.id}"
             for task in tasks.escalate_overdue(session, now=now)]
    return done


def list_firings(session: Session, *, child_id: int | None = None, rule_id: str | None = None,
                 limit: int = 500) -> list[RuleFiring]:
    """Rule firings, newest first, optionally for one child or rule."""
    query = select(RuleFiring).order_by(RuleFiring.id.desc()).limit(limit)
    if child_id is not None:
        query = query.where(RuleFiring.child_id == child_id)
    if rule_id:
        query = query.where(RuleFiring.rule_id == rule_id)
    return list(session.scalars(query))


def metrics(session: Session, *, now: datetime | None = None, since: datetime | None = None,
            until: datetime | None = None) -> list[MetricsRow]:
    """Per rule and responsible area: moments fired, and tasks acted on in time, late or overdue."""
    query = select(RuleFiring.rule_id, RuleFiring.area_code, RuleFiring.mode, func.count()).group_by(
        RuleFiring.rule_id, RuleFiring.area_code, RuleFiring.mode)
    if since is not None:
        query = query.where(RuleFiring.event_occurred_at >= since)
    if until is not None:
        query = query.where(RuleFiring.event_occurred_at < until)
    rows: dict[tuple[str, str | None], MetricsRow] = {}
    for rule_id, area_code, mode, count in session.execute(query):
        row = rows.setdefault((rule_id, area_code), MetricsRow(rule_id=rule_id, area_code=area_code))
        row.fired += count
        row.historical += count if mode == "historical" else 0
    for counts in tasks.task_counts(session, now=now, since=since, until=until):
        if counts.rule_id is None:
            continue
        row = rows.setdefault((counts.rule_id, counts.area_code),
                              MetricsRow(rule_id=counts.rule_id, area_code=counts.area_code))
        for name in ("tasks", "closed_in_time", "closed_late", "open_in_time", "open_overdue"):
            setattr(row, name, getattr(row, name) + getattr(counts, name))
    return sorted(rows.values(), key=lambda row: (row.rule_id, row.area_code or ""))
