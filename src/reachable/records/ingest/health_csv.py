"""Health extracts (format health-csv, docs/formats/health-csv.md): emergency and urgent care attendances."""

from __future__ import annotations

from reachable.records.ingest.base import Cells
from reachable.records.ingest.tabular import Mapped, Table, event, identity, reader

INJURIES = {"stab_wound", "assault", "overdose", "self_harm", "sexual_health", "other"}


def attendance(c: Cells, agency: str) -> Mapped:
    """An attendance, with the injury type and whether staff flagged a safeguarding concern."""
    flagged = c.flag("safeguarding_concern")
    return Mapped(identity(c, person_id="patient_id", forenames="forename", postcode="postcode",
                           nhs_number="nhs_number"),
                  [event("health_attendance", c.need("attendance_ref"), c.moment("arrived_at", required=True),
                         {"injury_type": c.choice("injury_type", INJURIES), "setting": c.text("setting"),
                          "safeguarding_concern": flagged})])


TABLES = (
    Table("attendances", ("attendance_ref", "patient_id", "nhs_number", "surname", "forename", "dob", "sex", "postcode",
                          "arrived_at", "setting", "injury_type", "safeguarding_concern"), attendance),
)
read = reader(TABLES)
