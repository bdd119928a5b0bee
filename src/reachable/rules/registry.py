"""Loading rule files: built-ins from rules/builtin/*.yaml and a local folder, validated the same way."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from reachable.common.errors import FieldError, InputRejected, NotFound
from reachable.rules.spec import STATUS_KINDS, RuleSpec


@dataclass(frozen=True)
class LoadedRule:
    """A validated rule and where it came from (a built-in or a local file)."""

    spec: RuleSpec
    source: str
    builtin: bool


@dataclass
class Registry:
    """Every enabled rule, indexed by id, by triggering event kind and by schedule."""

    rules: dict[str, LoadedRule] = field(default_factory=dict)
    by_kind: dict[str, list[RuleSpec]] = field(default_factory=dict)
    by_schedule: dict[str, list[RuleSpec]] = field(default_factory=dict)
    history_kinds: list[str] = field(default_factory=list)

    def add(self, loaded: LoadedRule) -> None:
        """Register one rule; a local rule with a built-in's id replaces it (or disables it)."""
        self.rules[loaded.spec.id] = loaded

    def index(self) -> Registry:
        """Build the kind and schedule indexes from the enabled rules, ordered by id."""
        self.by_kind, self.by_schedule = {}, {}
        for rule_id in sorted(self.rules):
            spec = self.rules[rule_id].spec
            if not spec.enabled:
                continue
            for kind in spec.trigger.kinds:
                self.by_kind.setdefault(kind.value, []).append(spec)
            if spec.trigger.schedule:
                self.by_schedule.setdefault(spec.trigger.schedule, []).append(spec)
        # A child's history is read only for the kinds rules look back at (windows, plans, care, NRM status).
        wanted = set(STATUS_KINDS)
        for spec in (item.spec for item in self.rules.values() if item.spec.enabled):
            wanted |= spec.window_kinds()
        self.history_kinds = sorted(wanted)
        return self

    def get(self, rule_id: str) -> LoadedRule:
        """One rule by id, or NotFound listing what exists."""
        if rule_id not in self.rules:
            raise NotFound(f"no rule {rule_id!r}; known: {', '.join(sorted(self.rules))}")
        return self.rules[rule_id]


def _line_of(text: str, location: Iterable[Any]) -> int | None:
    """The 1-based line in a YAML text of a field located by a Pydantic error path (best effort)."""
    try:
        node: Any = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    line = node.start_mark.line + 1 if node is not None else None
    for step in location:
        if isinstance(node, yaml.MappingNode):
            match = next((value for key, value in node.value if key.value == step), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
            match = node.value[step]
        else:
            match = None
        if match is None:
            continue  # a discriminator tag (e.g. `task`) names no YAML node: skip it
        node, line = match, match.start_mark.line + 1
    return line


def _line_of_mention(text: str, message: str) -> int | None:
    """For a whole-rule error, the first line mentioning a name the message quotes (e.g. ['hours'])."""
    names = re.findall(r"'([^']+)'", message.split("[", 1)[1]) if "[" in message else []
    for name in names:
        for number, line in enumerate(text.splitlines(), start=1):
            if f"payload.{name}" in line or f"{{{name}}}" in line:
                return number
    return None


def parse_rule(text: str, *, source: str) -> RuleSpec:
    """Validate one rule file's text; every problem is reported with file, line, field and reason."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise InputRejected([FieldError("yaml", str(getattr(error, "problem", error)), file=source,
                                        line=mark.line + 1 if mark else None)]) from error
    if not isinstance(data, dict):
        raise InputRejected([FieldError("rule", "a rule file must be a YAML mapping", file=source, line=1)])
    try:
        return RuleSpec.model_validate(data)
    except ValidationError as error:
        problems: list[FieldError] = []
        for item in error.errors():
            # Union members show up in the path as type labels (Condition, literal[...], list[...]): not fields.
            location = [step for step in item["loc"]
                        if not (isinstance(step, str) and (step[:1].isupper() or "[" in step))]
            shown = ".".join(str(step) for step in location) or "rule"
            line = _line_of(text, location) if location else _line_of_mention(text, item["msg"]) or 1
            if not any(p.field == shown and p.line == line for p in problems):
                problems.append(FieldError(shown, item["msg"], file=source, line=line))
        raise InputRejected(problems) from error


def builtin_texts() -> list[tuple[str, str]]:
    """(name, text) of every built-in rule file shipped in the package, by name."""
    folder = resources.files("reachable.rules").joinpath("builtin")
    files = sorted((item for item in folder.iterdir() if item.name.endswith(".yaml")), key=lambda item: item.name)
    return [(f"builtin/{item.name}", item.read_text(encoding="utf-8")) for item in files]


def local_files(rules_dir: Path | None) -> list[Path]:
    """The YAML files of the local rules folder (none when it is not set)."""
    if rules_dir is None:
        return []
    if not rules_dir.is_dir():
        raise InputRejected([FieldError("rules_dir", "the local rules folder does not exist", str(rules_dir))])
    return sorted([*rules_dir.glob("*.yaml"), *rules_dir.glob("*.yml")])


def load_registry(rules_dir: Path | None = None) -> Registry:
    """Every built-in rule, then every local rule (a local id may replace a built-in); all problems at once."""
    registry = Registry()
    problems: list[FieldError] = []
    seen_local: dict[str, str] = {}
    sources = [(name, text, True) for name, text in builtin_texts()]
    sources += [(str(path), path.read_text(encoding="utf-8"), False) for path in local_files(rules_dir)]
    for name, text, builtin in sources:
        try:
            spec = parse_rule(text, source=name)
        except InputRejected as error:
            problems += error.errors
            continue
        if spec.id in seen_local or (builtin and spec.id in registry.rules):
            problems.append(FieldError("id", f"rule id already defined in {seen_local.get(spec.id, 'a built-in')}",
                                       spec.id, file=name))
            continue
        if not builtin:
            seen_local[spec.id] = name
        registry.add(LoadedRule(spec=spec, source=name, builtin=builtin))
    if problems:
        raise InputRejected(problems)
    return registry.index()
