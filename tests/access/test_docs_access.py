"""The access documentation is current: permissions generated from the catalogue, DPIA and EqIA present."""

from __future__ import annotations

from pathlib import Path

from reachable.access import service as access
from reachable.access.roles import permissions_markdown

DOCS = Path(__file__).parent.parent.parent / "docs"


def test_permissions_doc_is_current() -> None:
    assert (DOCS / "permissions.md").read_text() == permissions_markdown(), "regenerate docs/permissions.md"


def test_every_role_and_action_is_documented() -> None:
    text = (DOCS / "permissions.md").read_text()
    assert all(f"`{name}`" in text for name in [*access.ROLES, *access.ACTIONS])


def test_security_dpia_and_eqia_exist_and_are_dated() -> None:
    for name in ("security.md", "dpia.md", "eqia.md"):
        text = (DOCS / name).read_text()
        assert "Last reviewed:" in text and len(text) > 2000, name
