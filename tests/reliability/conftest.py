"""Fixtures for reliability tests: the fuzz target (a seeded in-memory store and the app on it)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from tests.reliability.apifuzz import Target, build_target, fast_password_hashing


@pytest.fixture(scope="module")
def fuzz_target() -> Iterator[Target]:
    """The app on a seeded SQLite store, with cheap password hashing and the 500-page logger quiet."""
    logging.disable(logging.ERROR)
    with fast_password_hashing():
        target = build_target()
        yield target
    logging.disable(logging.NOTSET)
    target.engine.dispose()
