"""The message catalogue: every interface string lives in messages/<locale>.yaml, so Welsh needs no code change."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

MESSAGES = Path(__file__).parent / "messages"
DEFAULT_LOCALE = "en"


def _flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """Nested YAML mappings as dotted keys: {'child': {'title': ...}} -> {'child.title': ...}."""
    flat: dict[str, str] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, name + "."))
        else:
            flat[name] = str(value)
    return flat


@cache
def catalogue(locale: str) -> dict[str, str]:
    """Every message of one locale (read once per process)."""
    path = MESSAGES / f"{locale}.yaml"
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: the catalogue must be a mapping of message keys")
    return _flatten(data)


def available_locales() -> list[str]:
    """Locales with a catalogue file, the default first."""
    found = sorted(path.stem for path in MESSAGES.glob("*.yaml"))
    return [DEFAULT_LOCALE, *[name for name in found if name != DEFAULT_LOCALE]]


def choose_locale(cookie: str | None, accept_language: str | None) -> str:
    """The locale a person asked for (cookie first, then the browser), if a catalogue exists for it."""
    locales = available_locales()
    if cookie in locales:
        return cookie
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in locales:
            return tag
    return DEFAULT_LOCALE


@dataclass(frozen=True)
class Translator:
    """Looks messages up in one locale, falling back to English so a partial translation still works."""

    locale: str

    def __call__(self, key: str, **params: Any) -> str:
        """The message for `key`, formatted with params; the key itself if no catalogue has it (tests catch that)."""
        text = catalogue(self.locale).get(key) or catalogue(DEFAULT_LOCALE).get(key)
        if text is None:
            return key
        return text.format(**params) if params else text

    def has(self, key: str) -> bool:
        """Whether the key exists in this locale or the fallback."""
        return key in catalogue(self.locale) or key in catalogue(DEFAULT_LOCALE)

    def text(self, key: str, fallback: str) -> str:
        """The catalogue's message for `key` if a translation gives one, else the fallback text (e.g. a report's)."""
        return self(key) if self.has(key) else fallback

    def label(self, group: str, value: str | None) -> str:
        """A coded value's label (e.g. an event kind), or the code itself with underscores as spaces."""
        if value is None:
            return ""
        key = f"{group}.{value}"
        return self(key) if self.has(key) else value.replace("_", " ")
