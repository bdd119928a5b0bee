"""One writer thread, one chunk behind the reader, so the database works while the next chunk is parsed.

Parsing and checking are Python work; storing is mostly database work in PostgreSQL's own process, so on two
cores the two overlap. (SQLite's work is short C calls between Python ones on the writer thread, which would
queue for the GIL behind the reader: there the writes run inline.) Only the writer thread touches the session
while a chunk is pending, and every chunk is waited for before the caller goes on, so the transaction, its
atomicity and the order of writes are exactly those of writing inline.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType
from typing import Any, TypeVar

T = TypeVar("T")
SWITCH_SECONDS = 0.0005  # the GIL hand-over while importing: each short query of the writer waits at most this


class Background:
    """Runs submitted calls one at a time on a single thread; at most one is pending while the caller works."""

    def __init__(self, *, threaded: bool = True) -> None:
        """Start with no thread; it is made on entry (never, when not `threaded`: calls then run inline)."""
        self.threaded = threaded
        self._pool: ThreadPoolExecutor | None = None
        self._pending: tuple[Future[Any], Callable[[Any], None]] | None = None
        self._switch = sys.getswitchinterval()

    def __enter__(self) -> Background:
        """Start the writer thread."""
        if self.threaded:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-writer")
            # By default a thread back from the database waits up to 5 ms for the GIL: per query, per chunk.
            sys.setswitchinterval(SWITCH_SECONDS)
        return self

    def submit(self, call: Callable[..., T], args: tuple[Any, ...], *, then: Callable[[T], None]) -> None:
        """Wait for the previous call (raising its error), then start `call(*args)`; `then` gets its result."""
        self.wait()
        if self._pool is None:
            then(call(*args))
            return
        self._pending = (self._pool.submit(call, *args), then)

    def wait(self) -> None:
        """Wait for the pending call, hand its result on, or raise what it raised."""
        if self._pending is None:
            return
        future, then = self._pending
        self._pending = None
        then(future.result())

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        """Finish the pending call; on an error elsewhere, still let it end before the caller rolls back."""
        if self._pool is None:
            return
        try:
            if kind is None:
                self.wait()
            elif self._pending is not None:
                self._pending[0].exception()  # wait for it; the caller's own error is the one that matters
                self._pending = None
        finally:
            self._pool.shutdown(wait=True)
            sys.setswitchinterval(self._switch)
