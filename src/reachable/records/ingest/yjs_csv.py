"""Youth justice extracts (format yjs-csv, docs/formats/yjs-csv.md): interventions by a youth justice service."""

from __future__ import annotations

from reachable.records.ingest.base import Cells
from reachable.records.ingest.police_csv import OFFENCES
from reachable.records.ingest.tabular import Mapped, Table, event, identity, reader


def intervention(c: Cells, agency: str) -> Mapped:
    """An intervention; `ended` once the service records an end date."""
    ended = c.date("end_date")
    person = identity(c, person_id="yjs_id", forenames="forename", postcode="postcode", upn="upn")
    return Mapped(person, [event("youth_justice_intervention", c.need("intervention_ref"),
                                 c.moment("start_date", required=True),
                                 {"intervention": c.need("intervention"), "ended": ended is not None,
                                  "offence_category": c.choice("offence_category", OFFENCES)})])


TABLES = (
    Table("interventions", ("intervention_ref", "yjs_id", "upn", "surname", "forename", "dob", "sex", "postcode",
                            "start_date", "end_date", "intervention", "offence_category"), intervention),
)
read = reader(TABLES)
