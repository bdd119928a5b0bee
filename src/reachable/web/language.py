"""Victim-first language: prompts (never blocks) when free text describes an exploited child as to blame."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

BUILT_IN = Path(__file__).parent / "data" / "language.yaml"


class PhraseListError(ValueError):
    """A phrase list file is malformed; the message names the file, entry and field."""


@dataclass(frozen=True)
class Phrase:
    """One victim-blaming phrase family: how to spot it, what to suggest and why."""

    id: str
    patterns: tuple[re.Pattern[str], ...]
    suggestion: str
    why: str
    when: str | None = None


@dataclass(frozen=True)
class Prompt:
    """One match in a text: the phrase found, where, and the catalogue keys of the suggestion and reason."""

    phrase_id: str
    found: str
    start: int
    suggestion: str
    why: str


def _parse(path: Path, data: Any) -> dict[str, dict[str, Any]]:
    """The entries of one phrase file by id, each checked for the fields it needs."""
    if not isinstance(data, dict) or not isinstance(data.get("phrases"), list):
        raise PhraseListError(f"{path}: expected a mapping with a `phrases` list")
    entries: dict[str, dict[str, Any]] = {}
    for index, entry in enumerate(data["phrases"], start=1):
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            raise PhraseListError(f"{path}: phrase {index}: every entry needs an `id`")
        if not entry.get("disabled"):
            for name in ("patterns", "suggestion", "why"):
                if not entry.get(name):
                    raise PhraseListError(f"{path}: phrase {entry['id']}: `{name}` is missing")
            for pattern in entry["patterns"]:
                try:
                    re.compile(pattern)
                except re.error as error:
                    raise PhraseListError(f"{path}: phrase {entry['id']}: bad pattern {pattern!r}: {error}") from error
        entries[entry["id"]] = entry
    return entries


@cache
def load_phrases(local: Path | None = None) -> tuple[Phrase, ...]:
    """The built-in phrase list, with a local file's entries added, replaced or disabled by id."""
    entries = _parse(BUILT_IN, yaml.safe_load(BUILT_IN.read_text(encoding="utf-8")))
    if local is not None and local.exists():
        entries.update(_parse(local, yaml.safe_load(local.read_text(encoding="utf-8"))))
    return tuple(
        Phrase(id=entry["id"], suggestion=entry["suggestion"], why=entry["why"], when=entry.get("when"),
               patterns=tuple(re.compile(rf"\b{pattern}\b", re.IGNORECASE) for pattern in entry["patterns"]))
        for entry in entries.values() if not entry.get("disabled")
    )


def check(text: str, *, phrases: tuple[Phrase, ...], cce_marker: bool = False) -> list[Prompt]:
    """Every victim-blaming phrase in the text, in reading order (one prompt per phrase family)."""
    prompts: list[Prompt] = []
    for phrase in phrases:
        if phrase.when == "cce_marker" and not cce_marker:
            continue
        matches = [match for pattern in phrase.patterns if (match := pattern.search(text))]
        if matches:
            first = min(matches, key=lambda match: match.start())
            prompts.append(Prompt(phrase_id=phrase.id, found=first.group(0), start=first.start(),
                                  suggestion=phrase.suggestion, why=phrase.why))
    return sorted(prompts, key=lambda prompt: prompt.start)


def local_phrase_file(data_dir: Path) -> Path:
    """Where an area keeps its own phrases: <data dir>/language.yaml."""
    return data_dir / "language.yaml"
