"""Front-end assets served by Reachable itself from the npm packages installed at setup: no CDN at run time."""

from __future__ import annotations

import logging
import os
import re
from functools import cache
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, Response
from starlette.staticfiles import StaticFiles

from reachable.api.deps import declares

logger = logging.getLogger(__name__)
OWN_STATIC = Path(__file__).parent / "static"
# The vendor files each page loads, relative to node_modules (pinned in package.json / package-lock.json).
VENDOR = {
    "govuk-frontend.min.js": "govuk-frontend/dist/govuk/govuk-frontend.min.js",
    "moj-frontend.min.js": "@ministryofjustice/frontend/moj/moj-frontend.min.js",
    "moj-frontend.min.css": "@ministryofjustice/frontend/moj/moj-frontend.min.css",
    "cytoscape.min.js": "cytoscape/dist/cytoscape.min.js",
}
GOVUK_CSS = "govuk-frontend/dist/govuk/govuk-frontend.min.css"
ASSET_DIRS = ("govuk-frontend/dist/govuk/assets", "@ministryofjustice/frontend/moj/assets")


def node_modules() -> Path | None:
    """Where the npm packages live: REACHABLE_NODE_MODULES, the source checkout, or the working directory."""
    candidates = [os.environ.get("REACHABLE_NODE_MODULES"), Path(__file__).parents[3] / "node_modules",
                  Path.cwd() / "node_modules"]
    for candidate in candidates:
        if candidate and (Path(candidate) / "govuk-frontend").is_dir():
            return Path(candidate)
    return None


@cache
def govuk_css(root: Path) -> bytes:
    """GOV.UK Frontend's CSS with Arial instead of GDS Transport, which is licensed only to GOV.UK services."""
    css = (root / GOVUK_CSS).read_text(encoding="utf-8")
    css = re.sub(r"@font-face\{font-family:GDS Transport;[^}]*\}", "", css)
    css = css.replace("font-family:GDS Transport,", "font-family:").replace("font-family:GDS Transport",
                                                                         "font-family:arial,sans-serif")
    return css.encode()


class _ManyDirectories(StaticFiles):
    """Static files looked up in several folders in turn (GOV.UK's assets, then MOJ's)."""

    def __init__(self, directories: list[Path]) -> None:
        super().__init__(directory=directories[0], check_dir=True)
        self.all_directories = [str(path) for path in directories]


def mount_assets(app: FastAPI) -> None:
    """Serve /assets (GOV.UK and MOJ images), /static/vendor (vendor JS and CSS) and /static (our own files)."""
    root = node_modules()
    if root is None:
        # Pages still work (unstyled, as without CSS): the API must not fail because npm was not run.
        logger.warning("GOV.UK Frontend is not installed: run `./dev setup` (npm ci) for the web interface styles")
        _mount_own(app)
        return

    @app.get("/static/vendor/govuk-frontend.min.css", include_in_schema=False)
    @declares("public")
    def _govuk_css() -> Response:
        return Response(govuk_css(root), media_type="text/css",
                        headers={"Cache-Control": "public, max-age=86400"})

    vendor = {name: root / path for name, path in VENDOR.items()}
    missing = [str(path) for path in vendor.values() if not path.exists()]
    if missing:
        logger.warning("front-end packages incomplete, run `./dev setup`: %s", ", ".join(missing))

    @app.get("/static/vendor/{name}", include_in_schema=False)
    @declares("public")
    def _vendor(name: str) -> Response:
        path = vendor.get(name)
        if path is None or not path.exists():
            return Response(status_code=404)
        media = "text/css" if name.endswith(".css") else "text/javascript"
        return FileResponse(path, media_type=media, headers={"Cache-Control": "public, max-age=86400"})

    app.mount("/assets", _ManyDirectories([root / folder for folder in ASSET_DIRS]), name="assets")
    _mount_own(app)


def _mount_own(app: FastAPI) -> None:
    """Our own small scripts and styles (package data)."""
    app.mount("/static", StaticFiles(directory=OWN_STATIC), name="static")
