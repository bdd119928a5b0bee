"""indexes for Counting Lives returns (reports)

Revision ID: 0003_report_indexes
Revises: 0002_audit_chain_seq
Create Date: 2026-11-27 12:45:00

A national return reads every current event of some kinds in a range with its record's current child; these
indexes let both databases do that from indexes alone (no table read per event), and let a single area's
return start from the records of that area's children.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_report_indexes"
down_revision: str | None = "0002_audit_chain_seq"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the three report indexes."""
    op.create_index("ix_events_current_kind_time", "events", ["kind", "occurred_at", "source_record_id"],
                    unique=False, sqlite_where=sa.text("superseded_at IS NULL"),
                    postgresql_where=sa.text("superseded_at IS NULL"))
    op.create_index("ix_record_links_current_child", "record_links", ["source_record_id", "ended_at", "child_id"],
                    unique=False)
    op.create_index(op.f("ix_source_records_home_area_code"), "source_records", ["home_area_code"], unique=False)


def downgrade() -> None:
    """Drop them."""
    op.drop_index(op.f("ix_source_records_home_area_code"), table_name="source_records")
    op.drop_index("ix_record_links_current_child", table_name="record_links")
    op.drop_index("ix_events_current_kind_time", table_name="events")
