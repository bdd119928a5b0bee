"""audit rows sealed into the hash chain after commit (chain_seq)

Revision ID: 0002_audit_chain_seq
Revises: 0001
Create Date: 2026-11-27 12:40:00

Audit rows used to be chained at insert under one lock, which serialised every audited request. They are now
inserted unsealed and linked later by the sealer (reachable.access.audit.seal), which records each row's place
in the chain in `chain_seq`. Rows written before this revision were chained in id order, so their place is
their id.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_audit_chain_seq"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add chain_seq (existing rows: their id), its unique index and the partial index of unsealed rows."""
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("chain_seq", sa.Integer(), nullable=True))
    op.execute("UPDATE audit_events SET chain_seq = id")
    op.create_index("ix_audit_events_chain_seq", "audit_events", ["chain_seq"], unique=True)
    op.create_index("ix_audit_events_unsealed", "audit_events", ["id"], unique=False,
                    sqlite_where=sa.text("chain_seq IS NULL"), postgresql_where=sa.text("chain_seq IS NULL"))


def downgrade() -> None:
    """Seal nothing further; drop the indexes and the column (unsealed rows keep empty hashes)."""
    op.drop_index("ix_audit_events_unsealed", table_name="audit_events")
    op.drop_index("ix_audit_events_chain_seq", table_name="audit_events")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_column("chain_seq")
