"""Re-run a read-first request as a writing one when it turns out to need a write (SQLite only, rare).

A GET on SQLite reads without the write lock and may write only what it queues for its short final transaction
(audit rows, the session's idle clock: db/uow.py). If it tries another write, its unit of work raises
NeedsWriteTransaction before anything is written or sent; this middleware then runs the same request again as an
ordinary unit of work (BEGIN IMMEDIATE), so the client sees one normal response.
"""

from __future__ import annotations

from typing import Any

from reachable.db.uow import NeedsWriteTransaction

WRITE_MODE = "reachable.write_mode"


class RetryAsWriter:
    """ASGI middleware: one retry, in write mode, of a request whose read-first unit of work needed to write."""

    def __init__(self, app: Any) -> None:
        """Wrap the next ASGI app."""
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """Pass the request on; re-run it once in write mode if it raised NeedsWriteTransaction before replying."""
        if scope["type"] != "http" or scope.get(WRITE_MODE):
            await self.app(scope, receive, send)
            return
        received: list[Any] = []
        started = False

        async def recording_receive() -> Any:
            message = await receive()
            received.append(message)
            return message

        async def watching_send(message: Any) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, recording_receive, watching_send)
        except NeedsWriteTransaction:
            if started:
                raise
            replay = list(received)

            async def replay_receive() -> Any:
                return replay.pop(0) if replay else await receive()

            await self.app({**scope, WRITE_MODE: True}, replay_receive, send)
