"""CPU per single-event API submission, in process: the stable figure on a shared or noisy machine.

The app runs in this process behind httpx's ASGI transport, with FastAPI's and AnyIO's thread hand-offs run
inline, so `time.process_time()` holds all of a submission's Python CPU (the background audit sealer's share
included) and none of the HTTP server's. The database server's own CPU is not counted. One agency system posts
`missing_reported`, `stop_search`, `missing_found` and `arrest` events about a pool of 400 children, as
`bench/ingest_api.py` does, after a warm-up that makes every child known. `--profile FILE` writes a cProfile.

    python -m bench.api_inprocess [--database postgresql|sqlite] [--events N] [--profile FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import tempfile
import time
from pathlib import Path
from typing import Any

WARM_UP = 800  # submissions before measuring: every child of the pool is known, caches are full


def _inline() -> None:
    """Run the thread hand-offs in the calling thread, so this thread's profile and CPU hold the work."""
    import anyio.to_thread
    import fastapi.routing
    import starlette.concurrency

    async def in_threadpool(func: Any, *args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)

    async def run_sync(func: Any, *args: Any, **_kwargs: Any) -> Any:
        return func(*args)

    fastapi.routing.run_in_threadpool = in_threadpool  # type: ignore[assignment]
    starlette.concurrency.run_in_threadpool = in_threadpool  # type: ignore[assignment]
    anyio.to_thread.run_sync = run_sync  # type: ignore[assignment]


def measure(database: str, events: int, profile: Path | None) -> dict[str, float]:
    """CPU and wall milliseconds per submission over `events` submissions after the warm-up."""
    import httpx

    from bench.ingest_api import _admin, _body, _store, _token
    from reachable.api.app import create_app
    from reachable.config import Settings

    _inline()
    postgres = "postgresql://postgres@127.0.0.1:5432/x" if database == "postgresql" else None
    folder = tempfile.TemporaryDirectory(prefix="reachable-api-inprocess-")  # the SQLite store, if any
    url = _store(postgres, Path(folder.name))
    headers = {"Authorization": f"Bearer {_token(url)}"}
    os.environ["REACHABLE_DATABASE_URL"] = url
    app = create_app(Settings())
    app.state.background_sealer = True  # as a server worker: the chain is sealed in batches in the background
    profiler = cProfile.Profile()

    async def run() -> dict[str, float]:
        async with app.router.lifespan_context(app), httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://bench") as http:
            for n in range(WARM_UP):
                assert (await http.post("/api/v1/events", json=_body(0, n), headers=headers)).status_code == 201
            wall, cpu = time.perf_counter(), time.process_time()
            if profile:
                profiler.enable()
            for n in range(WARM_UP, WARM_UP + events):
                assert (await http.post("/api/v1/events", json=_body(0, n), headers=headers)).status_code == 201
            profiler.disable()
            return {"cpu_ms": (time.process_time() - cpu) / events * 1000,
                    "wall_ms": (time.perf_counter() - wall) / events * 1000}

    try:
        figures = asyncio.run(run())
    finally:
        if postgres:
            _admin(url, create=False)
        folder.cleanup()
    if profile:
        profiler.dump_stats(profile)
    return figures


def main() -> None:
    """Print CPU and wall time per submission."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--events", type=int, default=600)
    parser.add_argument("--profile", type=Path)
    args = parser.parse_args()
    figures = measure(args.database, args.events, args.profile)
    print(f"{args.database}: {figures['cpu_ms']:.2f} ms CPU and {figures['wall_ms']:.2f} ms wall per submission "
          f"(in process, {args.events} submissions after {WARM_UP}; database server CPU not counted)")


if __name__ == "__main__":
    main()
