"""Parser fuzzing with Hypothesis for every import format: no unhandled exception, no partial write.

The default run reads a few hundred generated inputs per format (REACHABLE_PARSER_EXAMPLES per seed table) and
imports a few dozen through the whole pipeline; `python -m bench --only fuzz --scale full` runs >= 10,000 per format.
"""

from __future__ import annotations

import os
from collections import Counter

import pytest
from sqlalchemy import Engine

from reachable.records.ingest.base import FORMATS
from tests.reliability.parserfuzz import Seed, check_import, check_reader, seeds

PER_FORMAT = int(os.environ.get("REACHABLE_PARSER_EXAMPLES", "200"))
TABLES = Counter(seed.format for seed in seeds())


def test_seeds_cover_every_format() -> None:
    assert set(TABLES) == set(FORMATS)


@pytest.mark.parametrize("seed", seeds(), ids=lambda seed: seed.name)
def test_reader_never_raises(seed: Seed) -> None:
    examples = max(40, PER_FORMAT // TABLES[seed.format])
    assert check_reader(seed, examples=examples) >= examples // 2


@pytest.mark.parametrize("seed", [s for s in seeds() if s.table in (None, "cin_census", "arrests", "episodes")],
                         ids=lambda seed: seed.name)
def test_import_is_all_or_nothing(engine: Engine, seed: Seed) -> None:
    seen = check_import(engine, seed, examples=15)
    assert seen["ok"] + seen["refused"] >= 10
