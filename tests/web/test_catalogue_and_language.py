"""Every interface string comes from the catalogue; UK dates; the language prompts work and are configurable."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from reachable.web import language
from reachable.web.i18n import Translator, catalogue
from reachable.web.render import TEMPLATES, uk_date, uk_datetime

WEB = Path(language.__file__).parent
KEY = re.compile(r"""\bt\(\s*["']([a-z0-9_.]+)["']""")


def test_every_message_key_used_exists() -> None:
    english = catalogue("en")
    used = set()
    for path in [*WEB.rglob("*.html"), *WEB.rglob("*.py")]:
        used |= set(KEY.findall(path.read_text()))
    dynamic = {key for key in used if key.endswith(("_", "."))}  # prefixes completed in the template
    assert sorted(key for key in used - dynamic if key not in english) == []


def test_a_catalogue_can_translate_report_text_else_the_report_speaks() -> None:
    t = Translator("en")
    assert t.text("dashboard.title", "fallback") == catalogue("en")["dashboard.title"]
    assert t.text("statistic.no_such_statistic.title", "Children missing from care") == "Children missing from care"


def test_templates_hold_no_bare_text() -> None:
    # Strip Jinja, comments, tags and entities: whatever is left would be untranslatable text.
    offenders = {}
    for path in TEMPLATES.rglob("*.html"):
        text = re.sub(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", " ", path.read_text(), flags=re.S)
        text = re.sub(r"<script.*?</script>|<[^>]+>|&[a-z#0-9]+;|[?&][a-z_]+=", " ", text, flags=re.S)
        words = re.findall(r"[A-Za-z]{2,}", text)
        if words:
            offenders[path.name] = words[:10]
    assert offenders == {}


def test_uk_dates_in_local_time() -> None:
    t = Translator("en")
    assert uk_date(date(2025, 3, 3), t) == "3 March 2025"
    assert uk_datetime(datetime(2025, 7, 1, 13, 5, tzinfo=UTC), t) == "1 July 2025 at 2:05pm"  # BST


def test_prompts_suggest_accurate_wording() -> None:
    phrases = language.load_phrases()
    found = language.check("Jay is putting himself at risk; a lifestyle choice", phrases=phrases)
    assert [prompt.phrase_id for prompt in found] == ["putting-self-at-risk", "lifestyle-choice"]
    assert language.check("He was seen dealing drugs", phrases=phrases) == []
    assert language.check("He was seen dealing drugs", phrases=phrases, cce_marker=True)[0].phrase_id == "drug-dealer"


def test_a_local_phrase_file_adds_and_disables(tmp_path: Path) -> None:
    local = tmp_path / "language.yaml"
    local.write_text("phrases:\n  - id: streetwise\n    disabled: true\n  - id: county-kid\n    patterns: ['runner']\n"
                     "    suggestion: language.recruiter.suggestion\n    why: language.recruiter.why\n")
    phrases = language.load_phrases(local)
    ids = {phrase.id for phrase in phrases}
    assert "county-kid" in ids and "streetwise" not in ids


def test_a_broken_phrase_file_names_the_problem(tmp_path: Path) -> None:
    local = tmp_path / "language.yaml"
    local.write_text("phrases:\n  - id: bad\n    patterns: ['(']\n    suggestion: x\n    why: y\n")
    with pytest.raises(language.PhraseListError, match="bad pattern"):
        language.load_phrases(local)
