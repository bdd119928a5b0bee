"""ASGI entry point for multi-worker servers: builds the app from the environment when imported by them."""

from __future__ import annotations

from reachable.api.app import create_app
from reachable.config import get_settings

# Importing this module is the server's explicit request for an app; nothing else imports it.
app = create_app(get_settings())
app.state.background_sealer = True  # a server worker: seal the audit chain in batches (access/audit.py)
