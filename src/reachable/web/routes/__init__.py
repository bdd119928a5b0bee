"""The web interface's page groups, one router each."""

from __future__ import annotations

from fastapi import APIRouter

from reachable.web.routes import child, dashboard, language, mace, network, reviews, search, signin, work

ROUTERS: list[APIRouter] = [signin.router, work.router, search.router, child.router, reviews.router,
                            network.router, mace.router, dashboard.router, language.router]
