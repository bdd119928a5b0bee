"""Kept for callers of the old location: the bulk primitives now live in `reachable.db.bulk` (house rule 3)."""

from __future__ import annotations

from reachable.db.dialect import allocate_ids as allocate_ids
from reachable.db.dialect import copy_rows as copy_rows
from reachable.db.dialect import timestamp_converter as timestamp_converter
