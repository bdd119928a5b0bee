"""Areas (councils and police force areas, by ONS code) and the agencies that work in them."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from reachable.db.base import Base


class Area(Base):
    """A council or police force area, keyed by its ONS code (BTP has the code 'BTP')."""

    __tablename__ = "areas"

    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(32))
    country: Mapped[str] = mapped_column(String(16))
    police_force_code: Mapped[str | None] = mapped_column(ForeignKey("areas.code"), default=None)
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("areas.code"), default=None)


class Agency(Base):
    """An organisation that records facts about children (e.g. a police force, a council's social care)."""

    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    area_code: Mapped[str | None] = mapped_column(ForeignKey("areas.code"), default=None, index=True)
