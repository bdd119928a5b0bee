"""Documentation is tested: every command, setting and event kind is documented (house rule 9)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer.main

from reachable.cli.main import build_app
from reachable.config import Settings
from reachable.records.reference import events_markdown

DOCS = Path(__file__).parent.parent / "docs"


def _commands(group: Any, prefix: str) -> list[str]:
    found = []
    for name, command in group.commands.items():
        path = f"{prefix} {name}"
        if hasattr(command, "commands"):
            found += _commands(command, path)
        else:
            found.append(path)
    return found


def test_every_cli_command_is_documented() -> None:
    root = typer.main.get_command(build_app())
    text = (DOCS / "cli.md").read_text()
    missing = [path for path in _commands(root, "reachable") if f"`{path}" not in text]
    assert missing == []


def test_every_setting_is_documented() -> None:
    text = (DOCS / "configuration.md").read_text()
    missing = [name for name in Settings.model_fields if f"`REACHABLE_{name.upper()}`" not in text]
    assert missing == []


def test_event_reference_is_current() -> None:
    assert (DOCS / "events.md").read_text() == events_markdown(), "regenerate docs/events.md"
