"""The victim-first language check: a fragment for the live prompt, and the help page listing the phrases."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from reachable.api.deps import declares
from reachable.identity.models import Child
from reachable.markers import service as markers
from reachable.web import language
from reachable.web.render import environment, page, translator_for
from reachable.web.routes.common import SessionDep, UserDep, check_csrf

router = APIRouter(include_in_schema=False)
CCE_CODES = ("cce_risk", "cce_victim", "cce", "county_lines")


def phrases_for(request: Request) -> tuple[language.Phrase, ...]:
    """The built-in phrases plus the area's own (from <data dir>/language.yaml)."""
    return language.load_phrases(language.local_phrase_file(request.app.state.settings.data_dir))


def prompts_for(request: Request, session: Session, text: str, *, child_id: int | None) -> list[language.Prompt]:
    """Prompts for a text about a child (a CCE marker turns on the child-specific phrases)."""
    cce = bool(child_id and markers.active_codes(session, child_id=child_id) & set(CCE_CODES))
    return language.check(text, phrases=phrases_for(request), cce_marker=cce)


@router.post("/language/check")
@declares("self")
def check(request: Request, session: SessionDep, _user: UserDep, text: Annotated[str, Form()] = "",
          child: Annotated[str, Form()] = "", csrf_token: Annotated[str, Form()] = "") -> Response:
    """The prompts for a draft, as an HTML fragment (empty when the wording is fine)."""
    check_csrf(request, csrf_token)
    child_id = session.scalar(select(Child.id).where(Child.reference == child)) if child else None
    prompts = prompts_for(request, session, text[:10_000], child_id=child_id)
    if not prompts:
        return HTMLResponse("")
    macro = environment().get_template("macros.html").module.language_prompts  # type: ignore[attr-defined]
    return HTMLResponse(str(macro(translator_for(request), prompts)))


@router.get("/help/language")
@declares("public")
def help_page(request: Request, _user: UserDep) -> Response:
    """Every phrase Reachable prompts on, with the suggested wording and why."""
    return page(request, "pages/language_help.html", {"phrases": phrases_for(request)})
