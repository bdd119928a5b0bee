"""Online backup and restore of the store: SQLite's backup API, PostgreSQL's pg_dump custom format."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url


def _sqlite_path(url: str) -> Path:
    """The file behind a SQLite URL (backups of in-memory stores make no sense)."""
    database = make_url(url).database
    if not database or database == ":memory:":
        raise ValueError("an in-memory SQLite store cannot be backed up")
    return Path(database)


def _pg_args(url: str) -> list[str]:
    """Connection arguments for pg_dump / pg_restore from a SQLAlchemy URL."""
    parsed = make_url(url)
    args = ["-h", parsed.host or "127.0.0.1", "-p", str(parsed.port or 5432), "-d", parsed.database or ""]
    if parsed.username:
        args += ["-U", parsed.username]
    return args


def backup(url: str, target: Path) -> Path:
    """Write a consistent copy of a live store to `target` (writers may continue meanwhile)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if url.startswith("sqlite"):
        source = sqlite3.connect(_sqlite_path(url))
        copy = sqlite3.connect(target)
        with copy:
            source.backup(copy)  # page-by-page copy under SQLite's own locking: consistent while others write
        copy.close()
        source.close()
        return target
    if shutil.which("pg_dump") is None:
        raise RuntimeError("pg_dump is not installed (Debian package postgresql-client)")
    subprocess.run(["pg_dump", "-Fc", "--no-owner", "-f", str(target), *_pg_args(url)], check=True)
    return target


def restore(url: str, source: Path) -> None:
    """Replace the store at `url` with a backup made by `backup`."""
    if url.startswith("sqlite"):
        path = _sqlite_path(url)
        for suffix in ("-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        backup_db = sqlite3.connect(source)
        live = sqlite3.connect(path)
        with live:
            backup_db.backup(live)
        live.close()
        backup_db.close()
        return
    if shutil.which("pg_restore") is None:
        raise RuntimeError("pg_restore is not installed (Debian package postgresql-client)")
    subprocess.run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
                    *_pg_args(url), str(source)], check=True)
