"""Parser fuzzing with Hypothesis for every import format: used by tests/reliability and bench/bench_fuzz.py.

Inputs are generated from a small valid seed file per format and table (tests/reliability/seeds, cut from a
simulated world): cells or XML text replaced by hostile values, bytes inserted, deleted or truncated, lines
duplicated or swapped, and plain random bytes. Two properties:

- reader: reading never raises; every row either yields something or carries located errors (FieldError);
- import: the whole import path (detect, read, validate, write, stages) either succeeds or raises the documented
  InputRejected; after a refusal the store is exactly as before (no partial writes) and after success every
  invariant in invariants.py holds.
"""

from __future__ import annotations

import io
import json
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from reachable import pipeline
from reachable.access import service as access
from reachable.common.errors import FieldError, InputRejected
from reachable.db.uow import session_factory
from reachable.records.ingest.base import Row, Source
from reachable.records.ingest.detect import READERS, detect
from tests.reliability import invariants

SEEDS_DIR = Path(__file__).parent / "seeds"
HOSTILE = ("", " ", "=1+1", "@SUM(A1)", "-1", "0", "1e309", "9" * 40, "NaN", "null", "None", "true", "Y", "N",
           "maybe", "31/02/2024", "00/00/0000", "29/02/2023", "01/13/2024", "1/1/1", "99/99/9999 25:61",
           "2024-02-30", "9999-12-31T23:59:59", "0001-01-01", "E08000025", "E99999999", "POL-E23000014",
           "CSC-", "\x00", "\ufeff", "\u202e", "é", "💊", "a" * 300, "x" * 10_050, '"', '""', "'", ",", ";", ";;",
           "\n", "\r\n", "\t", "<", "&", "&amp;", "]]>", "<![CDATA[x]]>", "<!ENTITY x 'y'>", "\\", "%s", "{}",
           "[]", '{"a":1}', "24A;10A", "24A;ZZ", "M", "A", "U", "pwits_class_a", "stab_wound", "07700900123")


@dataclass(frozen=True)
class Seed:
    """One valid seed document: its bytes and how to import it."""

    name: str
    format: str
    table: str | None
    agency: str
    data: bytes


def seeds() -> list[Seed]:
    """Every seed in tests/reliability/seeds (one per format and table)."""
    index = json.loads((SEEDS_DIR / "seeds.json").read_text(encoding="utf-8"))
    return [Seed(entry["file"], entry["format"], entry["table"], entry["agency"],
                 (SEEDS_DIR / entry["file"]).read_bytes()) for entry in index]


def formats() -> list[str]:
    """The formats the seeds cover (asserted equal to every reader by the tests)."""
    return sorted({seed.format for seed in seeds()})


def _replace_cells(data: bytes, draw: Any) -> bytes:
    """Replace some CSV cells, JSON values or XML text nodes with hostile or random values."""
    text = data.decode("utf-8")
    value = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=40))
    if text.lstrip().startswith("<"):
        spans = [m.span(1) for m in re.finditer(r">([^<]*)<", text)]
        for start, end in sorted(draw(st.lists(st.sampled_from(spans), max_size=4, unique=True)), reverse=True):
            text = text[:start] + draw(value) + text[end:]
        return text.encode("utf-8", errors="surrogatepass")
    if text.lstrip().startswith("{"):
        spans = [m.span(1) for m in re.finditer(r'":("[^"]*"|[-0-9.]+|true|false|null)', text)]
        for start, end in sorted(draw(st.lists(st.sampled_from(spans), max_size=4, unique=True)), reverse=True):
            text = text[:start] + json.dumps(draw(value)) + text[end:]
        return text.encode("utf-8", errors="surrogatepass")
    lines = text.split("\n")
    for _ in range(draw(st.integers(1, 6))):
        row = draw(st.integers(0, max(0, len(lines) - 1)))
        cells = lines[row].split(",")
        cells[draw(st.integers(0, len(cells) - 1))] = draw(value)
        lines[row] = ",".join(cells)
    return "\n".join(lines).encode("utf-8", errors="surrogatepass")


def _mangle_bytes(data: bytes, draw: Any) -> bytes:
    """Byte-level damage: truncate, insert, delete, duplicate or swap lines."""
    kind = draw(st.sampled_from(("truncate", "insert", "delete", "duplicate", "swap")))
    at = draw(st.integers(0, len(data)))
    if kind == "truncate":
        return data[:at]
    if kind == "insert":
        return data[:at] + draw(st.binary(min_size=1, max_size=64)) + data[at:]
    if kind == "delete":
        return data[:at] + data[at + draw(st.integers(1, 200)):]
    lines = data.split(b"\n")
    i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
    if kind == "duplicate":
        lines.insert(j, lines[i])
    else:
        lines[i], lines[j] = lines[j], lines[i]
    return b"\n".join(lines)


@st.composite
def document(draw: Any, seed: Seed) -> bytes:
    """A generated input for a seed's format: mostly near-valid, sometimes badly broken, sometimes pure noise."""
    mode = draw(st.sampled_from(("cells", "cells", "cells+bytes", "bytes", "noise", "seed")))
    if mode == "noise":
        return bytes(draw(st.binary(max_size=512)))
    data = seed.data
    if mode.startswith("cells"):
        data = _replace_cells(data, draw)
    if mode.endswith("bytes"):
        for _ in range(draw(st.integers(1, 3))):
            data = _mangle_bytes(data, draw)
    return data


def read_all(seed: Seed, data: bytes) -> list[Row]:
    """Read a document with its format's reader (as the runner does) and check each row's shape."""
    source = Source(path=Path(f"/fuzz/{seed.name}"), format=seed.format, agency=seed.agency, table=seed.table)
    detect(data[:65536])  # the detector sees the same bytes first: it must not raise either
    rows = list(READERS[seed.format](io.BytesIO(data), source))
    for row in rows:
        assert isinstance(row.line, int) and row.line >= 1, row
        for error in row.errors:
            assert isinstance(error, FieldError) and error.file == source.label and error.reason, error
        if not row.errors:
            assert row.events or row.person is not None, f"a row with neither data nor errors: {row}"
    return rows


def check_reader(seed: Seed, *, examples: int, derandomize: bool = True) -> int:
    """Fuzz one seed's reader; returns how many inputs ran (any unexpected exception fails)."""
    ran = 0

    @settings(max_examples=examples, deadline=None, derandomize=derandomize, database=None,
              phases=[Phase.explicit, Phase.generate, Phase.shrink],
              suppress_health_check=list(HealthCheck))
    @given(data=document(seed))
    def one(data: bytes) -> None:
        nonlocal ran
        ran += 1
        read_all(seed, data)

    one()
    return ran


def import_once(engine: Engine, seed: Seed, data: bytes, *, accept_valid: bool = False) -> str:
    """Import a document through the real pipeline in one unit of work; 'ok' or 'refused', with every check."""
    factory = session_factory(engine)
    before = invariants.counts(engine)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / seed.name
        path.write_bytes(data)
        source = Source(path=path, format=seed.format, agency=seed.agency, table=seed.table)
        session = factory()
        try:
            report = pipeline.ingest_files(session, sources=[source], actor=access.SYSTEM, accept_valid=accept_valid,
                                           rejects=Path(folder) / "rejects.csv" if accept_valid else None)
            session.commit()
            outcome = "ok"
        except InputRejected as refused:
            session.rollback()
            assert refused.errors, "a refusal must list its errors"
            report = None
            outcome = "refused"
        finally:
            session.close()
    after = invariants.counts(engine)
    if outcome == "refused":
        assert after == before, f"partial write after a refusal: {before} -> {after}"
    else:
        assert report is not None
        stored = sum(f.created + f.new_versions for f in report.files)
        assert after["events"] - before["events"] == stored, (before, after, report.totals())
    problems = invariants.orphans(engine)
    assert problems == [], problems
    return outcome


def check_import(engine: Engine, seed: Seed, *, examples: int, derandomize: bool = True) -> dict[str, int]:
    """Fuzz the whole import path for one seed; returns outcome counts."""
    seen = {"ok": 0, "refused": 0}

    @settings(max_examples=examples, deadline=None, derandomize=derandomize, database=None,
              phases=[Phase.explicit, Phase.generate, Phase.shrink], suppress_health_check=list(HealthCheck))
    @given(data=document(seed), accept_valid=st.booleans())
    def one(data: bytes, accept_valid: bool) -> None:
        seen[import_once(engine, seed, data, accept_valid=accept_valid)] += 1

    one()
    return seen
