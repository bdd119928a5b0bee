"""What every writer needs for one child: the sink, the child's identities and stable record keys."""

from __future__ import annotations

import random
from dataclasses import dataclass

from reachable.simulate.identity import ChildIdentity, Registration, dob_text
from reachable.simulate.people import Child
from reachable.simulate.rand import scramble
from reachable.simulate.sink import Sink

VCS_AGENCY = "VCS-routes-out"
NRM_AGENCY = "NRM-SCA"


@dataclass(slots=True)
class Ctx:
    """Per-child writing context; counters are shared by the whole run so keys never repeat."""

    sink: Sink
    counters: dict[str, int]
    child: Child
    ident: ChildIdentity
    rng: random.Random
    start: float
    end: float

    def ref(self, agency: str, code: str) -> str:
        """A new stable record key for a table of an agency, e.g. WMARR-004718823."""
        name = f"{agency}/{code}"
        n = self.counters.get(name, 0)
        self.counters[name] = n + 1
        prefix = agency.split("-", 1)[1][:3].upper() if agency.startswith("VCS") else agency[-3:]
        return f"{code}{prefix}-{scramble(n, sum(map(ord, name)), 9)}"

    def person(self, agency: str, t: float) -> tuple[Registration, list[str]]:
        """The registration used and the standard identity columns: surname, forenames, dob, sex, postcode."""
        kind = agency.split("-", 1)[0]
        reg = self.ident.person(agency, t)
        fore, sur = self.ident.record_names(reg, kind)
        return reg, [sur, fore, dob_text(reg), reg.sex, self.ident.postcode(kind, t)]


def truth_person(ctx: Ctx, agency: str, person_id: str) -> None:
    """Remember that this agency person id belongs to the child (written to truth/person_records.csv)."""
    ctx.sink.row(
        "truth/person_records.csv",
        "truth",
        "",
        "person_records",
        ["agency", "agency_person_id", "child_id"],
        [agency, person_id, ctx.child.child_id],
        (agency, person_id),
    )


def yn(flag: bool) -> str:
    """Y or N."""
    return "Y" if flag else "N"
