"""Importing reachable touches no file, database or environment variable."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PROBE = r"""
import os, pkgutil, importlib, builtins
touched = []
class Watch(dict):
    def __getitem__(self, k): touched.append(k); return dict.__getitem__(self, k)
    def get(self, k, d=None): touched.append(k); return dict.get(self, k, d)
    def __contains__(self, k): touched.append(k); return dict.__contains__(self, k)
import sqlalchemy
def no_engine(*a, **k): raise AssertionError("engine created at import")
sqlalchemy.create_engine = no_engine
real_open = builtins.open
def watched_open(file, mode="r", *a, **k):
    if any(m in mode for m in "wax+"): raise AssertionError(f"file written at import: {file}")
    return real_open(file, mode, *a, **k)
builtins.open = watched_open
os.environ = Watch(os.environ)
import reachable
for info in pkgutil.walk_packages(reachable.__path__, "reachable."):
    if info.name in ("reachable.api.asgi", "reachable.cli.__main__") or ".migrations" in info.name:
        continue  # explicit entry points: importing them *is* the request to start
    importlib.import_module(info.name)
print(sorted({k for k in touched if k.startswith("REACHABLE")}))
print(sorted(os.listdir(".")))
"""


def test_import_has_no_side_effects(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=tmp_path, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    env_read, files = result.stdout.strip().splitlines()
    assert env_read == "[]"
    assert files == "[]"
