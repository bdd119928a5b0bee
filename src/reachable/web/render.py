"""Jinja2 rendering: the environment, UK date filters and the per-request context every page gets."""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from reachable.web.i18n import Translator, choose_locale

TEMPLATES = Path(__file__).parent / "templates"
LONDON = ZoneInfo("Europe/London")


def _month(translate: Translator, month: int) -> str:
    """The month's name from the catalogue (so Welsh month names come with the Welsh catalogue)."""
    return translate(f"dates.month_{month}")


def uk_date(value: date | datetime | None, translate: Translator) -> str:
    """A date as GOV.UK writes it: 3 March 2025 (datetimes are shown in UK local time)."""
    if value is None:
        return translate("common.not_recorded")
    if isinstance(value, datetime):
        value = value.astimezone(LONDON).date()
    return f"{value.day} {_month(translate, value.month)} {value.year}"


def uk_datetime(value: datetime | None, translate: Translator) -> str:
    """A moment as GOV.UK writes it, in UK local time: 3 March 2025 at 2:15am."""
    if value is None:
        return translate("common.not_recorded")
    local = value.astimezone(LONDON)
    hour = local.hour % 12 or 12
    suffix = translate("dates.am") if local.hour < 12 else translate("dates.pm")
    clock = f"{hour}:{local.minute:02d}{suffix}"
    return translate("dates.at", date=uk_date(local.date(), translate), time=clock)


def iso(value: date | datetime | None) -> str:
    """The machine-readable form for <time datetime="...">."""
    return "" if value is None else value.isoformat()


@cache
def environment() -> Environment:
    """The one Jinja2 environment (autoescaping on; templates are package data)."""
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["iso"] = iso
    return env


def translator_for(request: Request) -> Translator:
    """The translator for the locale this person asked for."""
    cached = getattr(request.state, "translator", None)
    if isinstance(cached, Translator):
        return cached
    translate = Translator(choose_locale(request.cookies.get("lang"), request.headers.get("accept-language")))
    request.state.translator = translate
    return translate


def page(request: Request, template: str, context: dict[str, Any] | None = None, *,
         status_code: int = 200) -> HTMLResponse:
    """Render a page with the shared context: translator, date filters, the signed-in user and CSRF token."""
    translate = translator_for(request)
    values: dict[str, Any] = {
        "request": request, "t": translate, "locale": translate.locale,
        "uk_date": lambda value: uk_date(value, translate),
        "uk_datetime": lambda value: uk_datetime(value, translate),
        "user": getattr(request.state, "web_user", None),
        "csrf_token": getattr(request.state, "csrf_token", ""),
        "nonce": getattr(request.state, "nonce", ""),
        "path": request.url.path,
    }
    values.update(context or {})
    html = environment().get_template(template).render(values)
    return HTMLResponse(html, status_code=status_code)
