"""Rule files: local rules load like built-ins, bad files are refused precisely; CLI and generated docs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from reachable.cli.main import build_app
from reachable.common.errors import InputRejected
from reachable.markers.service import markers_markdown
from reachable.records.kinds import EventKind
from reachable.rules import service as rules
from reachable.rules.docs import rules_markdown
from reachable.rules.registry import load_registry
from tests.rules.helpers import ago, child_event, firings, ingest, tasks

DOCS = Path(__file__).parents[2] / "docs"
LOCAL = """\
id: local.part-time-timetable
version: "0.1"
title: Reduced timetable → designated safeguarding lead check
summary: A local protocol.
guidance: Local exploitation protocol 2026
jurisdiction: [England]
trigger:
  kinds: [part_time_timetable]
  when: {fact: payload.hours_per_week, lt: 15}
actions:
  - type: task
    owner: home_csc
    role: exploitation_lead
    title: "Check {child}: reduced timetable"
    due: {working_days: 3}
"""


def test_a_local_rule_is_registered_and_runs_like_a_built_in(tmp_path: Path, session: Session) -> None:
    (tmp_path / "timetable.yaml").write_text(LOCAL)
    registry = rules.registry(rules_dir=tmp_path)
    loaded = registry.get("local.part-time-timetable")
    assert not loaded.builtin and loaded.source.endswith("timetable.yaml")
    assert "cp.drugs-weapons" in registry.rules
    from reachable import pipeline
    from reachable.access import service as access

    timetable = child_event(EventKind.PART_TIME_TIMETABLE, key="pt", at=ago(1), payload={"hours_per_week": 10})
    outcome = pipeline.ingest(session, events=[timetable], actor=access.SYSTEM, stages=[pipeline.link_stage])
    rules.run_for_events(session, event_ids=outcome.stored.event_ids, child_ids=outcome.child_ids, rules=registry)
    titles = [t.title for t in tasks(session, "local.part-time-timetable")]
    assert len(titles) == 1 and titles[0].endswith(": reduced timetable")


def test_a_local_file_can_switch_a_built_in_off(tmp_path: Path) -> None:
    text = Path(__file__).parents[2].joinpath("src/reachable/rules/builtin/02-cin-permanent-exclusion.yaml")
    (tmp_path / "off.yaml").write_text(text.read_text() + "enabled: false\n")
    registry = load_registry(tmp_path)
    assert not registry.get("cin.permanent-exclusion").spec.enabled
    assert "school_exclusion" in registry.by_kind  # the suspension rule still listens
    assert all(r.id != "cin.permanent-exclusion" for r in registry.by_kind["school_exclusion"])


@pytest.mark.parametrize(("broken", "field", "line"), [
    (LOCAL.replace("payload.hours_per_week", "payload.hours"), "rule", 9),
    (LOCAL.replace("fact: payload.hours_per_week", "fact: child.favourite_colour"), "trigger.when", 9),
    (LOCAL.replace("working_days: 3", "weeks: 3"), "actions.0.task.due", 15),
    (LOCAL.replace("{child}", "{name}"), "rule", 14),
    (LOCAL.replace("owner: home_csc", "owner: the_council"), "actions.0.task.owner", 12),
    (LOCAL.replace("title: Reduced", "title: [Reduced"), "yaml", 4),
])
def test_bad_rule_files_are_refused_with_file_line_and_field(tmp_path: Path, broken: str, field: str,
                                                            line: int) -> None:
    (tmp_path / "bad.yaml").write_text(broken)
    with pytest.raises(InputRejected) as refused:
        load_registry(tmp_path)
    first = refused.value.errors[0]
    assert first.file and first.file.endswith("bad.yaml") and first.field.startswith(field)
    assert first.line == line, str(refused.value)


def test_two_local_files_with_one_id_are_refused(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(LOCAL)
    (tmp_path / "b.yaml").write_text(LOCAL)
    with pytest.raises(InputRejected, match="already defined"):
        load_registry(tmp_path)


def test_generated_docs_are_current() -> None:
    assert (DOCS / "rules.md").read_text() == rules_markdown(), "run `reachable rules docs`"
    assert (DOCS / "markers.md").read_text() == markers_markdown(), "run `reachable rules docs`"
    text = (DOCS / "rules.md").read_text()
    assert all(f"## `{rule.id}` (version {rule.version})" in text for rule in rules.list_rules(
        rules=load_registry(None)))


def test_cli_list_show_test_and_docs_check(tmp_path: Path) -> None:
    runner = CliRunner()
    app = build_app()
    listed = runner.invoke(app, ["rules", "list", "--format", "json"])
    assert listed.exit_code == 0 and len(json.loads(listed.stdout)) >= 10
    shown = runner.invoke(app, ["rules", "show", "missing.rhi"])
    assert shown.exit_code == 0 and "hours: 72" in shown.stdout
    (tmp_path / "local.yaml").write_text(LOCAL)
    events = tmp_path / "events.jsonl"
    events.write_text(child_event(EventKind.PART_TIME_TIMETABLE, key="pt", at=ago(1),
                                  payload={"hours_per_week": 8}).model_dump_json() + "\n")
    tested = runner.invoke(app, ["rules", "test", str(tmp_path / "local.yaml"), "--events", str(events)])
    assert tested.exit_code == 0, tested.output
    assert "fired local.part-time-timetable v0.1" in tested.stdout and "exploitation_lead" in tested.stdout
    (tmp_path / "bad.yaml").write_text(LOCAL.replace("kinds: [part_time_timetable]", "kinds: [detention]"))
    refused = runner.invoke(app, ["rules", "test", str(tmp_path / "bad.yaml")])
    assert refused.exit_code != 0 and "bad.yaml:8" in str(refused.exception)
    checked = runner.invoke(app, ["rules", "docs", "--check", "--out", str(DOCS / "rules.md"),
                                  "--markers-out", str(DOCS / "markers.md")])
    assert checked.exit_code == 0, checked.output


def test_cli_tasks_list_and_metrics(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from reachable.areas import service as areas
    from reachable.db.engine import make_engine
    from reachable.db.registry import metadata
    from reachable.db.uow import session_factory

    url = f"sqlite:///{tmp_path / 'r.db'}"
    store = make_engine(url)
    metadata().create_all(store)
    with session_factory(store)() as session:
        areas.load_reference_areas(session)
        ingest(session, child_event(EventKind.ARREST, key="cli-1", at=ago(hours=1),
                                    payload={"offence_category": "pwits_class_a"}))
        child_id = firings(session)[0].child_id
        session.commit()
    store.dispose()
    monkeypatch.setenv("REACHABLE_DATABASE_URL", url)
    runner, app = CliRunner(), build_app()
    table = runner.invoke(app, ["tasks", "list", "--area", "E08000025", "--status", "open"])
    assert table.exit_code == 0, table.output
    assert "cp.drugs-weapons" in table.stdout
    as_json = json.loads(runner.invoke(app, ["tasks", "list", "--child", str(child_id), "--format", "json"]).stdout)
    assert {t["rule_id"] for t in as_json} >= {"cp.drugs-weapons", "nrm.consideration"}
    done = runner.invoke(app, ["tasks", "complete", str(as_json[0]["id"]), "--outcome", "done", "--reason",
                               "strategy discussion held", "--by", "sw"])
    assert done.exit_code == 0, done.output
    metrics = runner.invoke(app, ["tasks", "metrics"])
    assert metrics.exit_code == 0 and "cp.drugs-weapons" in metrics.stdout
    assert runner.invoke(app, ["tasks", "list", "--format", "xml"]).exit_code != 0
    assert runner.invoke(app, ["tasks", "escalate"]).exit_code == 0
    assert runner.invoke(app, ["rules", "sweep"]).exit_code == 0
