"""Imports every domain's models so the metadata is complete (for migrations and create_all)."""

from __future__ import annotations

from sqlalchemy import MetaData

from reachable.db.base import Base


def metadata() -> MetaData:
    """Return the complete metadata of every table, importing each domain's models once."""
    from reachable.access import models as _access  # noqa: F401
    from reachable.areas import models as _areas  # noqa: F401
    from reachable.identity import models as _identity  # noqa: F401
    from reachable.markers import models as _markers  # noqa: F401
    from reachable.network import models as _network  # noqa: F401
    from reachable.nrm import models as _nrm  # noqa: F401
    from reachable.plans import models as _plans  # noqa: F401
    from reachable.records import models as _records  # noqa: F401
    from reachable.risk import models as _risk  # noqa: F401
    from reachable.rules import models as _rules  # noqa: F401
    from reachable.tasks import models as _tasks  # noqa: F401

    return Base.metadata
