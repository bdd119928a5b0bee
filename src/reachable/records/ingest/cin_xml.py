"""DfE children in need census XML (schema years 2017–2026) → referrals, assessments, CIN and CP plans.

Read as a stream with lxml, entities never resolved, no network, no DTD: a file with a DOCTYPE is refused
before parsing, which stops external entities (XXE) and entity expansion ("billion laughs").
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from lxml import etree

from reachable.common.errors import FieldError
from reachable.common.text import is_digits
from reachable.records.ingest.base import (
    SNIFF_BYTES,
        Row,
    Source,
    Stream,
    agency_area,
    build_event,
    build_person,
)
from reachable.records.schemas import EventIn

FACTORS = {f"{n}{letter}" for n in (1, 2, 3, 4, 5, 6) for letter in "ABC"} | {
    "7A", "8B", "8C", "8D", "8E", "8F", "9A", "10A", "11A", "12A", "13A", "14A", "15A", "16A", "17A",
    "18A", "18B", "18C", "19A", "19B", "19C", "20", "21", "22A", "23A", "24A"}
REFERRAL_SOURCES = {"1A", "1B", "1C", "1D", "2A", "2B", "3A", "3B", "3C", "3D", "3E", "3F", "4", "5A", "5B", "5C",
                    "5D", "6", "7", "8", "9", "10"}
PRIMARY_NEEDS = {f"N{n}" for n in range(10)}
ABUSE = {"NEG", "PHY", "SAB", "EMO", "MUL"}
GENDER = {"1": "M", "2": "F", "0": "U", "9": "U", "M": "M", "F": "F", "U": "U"}
FIRST_YEAR = 2017


def doctype_refusal(head: bytes, source: Source) -> FieldError | None:
    """Refuse any DTD or entity declaration: CIN files have none, and they are how XXE and entity bombs work."""
    upper = head.upper()
    if b"<!DOCTYPE" in upper or b"<!ENTITY" in upper:
        return FieldError("(file)", "XML with a DOCTYPE or ENTITY declaration is refused (external entities and "
                          "entity expansion are not allowed)", None, file=source.label, line=1)
    return None


def _local(tag: Any) -> str:
    """An element's name without its namespace."""
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _find(element: Any, *names: str) -> Any:
    """The first descendant along a path of local names, or None."""
    current = element
    for name in names:
        current = next((child for child in current if _local(child.tag) == name), None)
        if current is None:
            return None
    return current


def _all(element: Any, name: str) -> list[Any]:
    """Direct children with this local name."""
    return [child for child in element if _local(child.tag) == name]


class _Child:
    """One <Child>: parsed into events with every error located by element path and line."""

    def __init__(self, element: Any, source: Source, agency: str) -> None:
        """Prepare to read one child element."""
        self.element = element
        self.source = source
        self.agency = agency
        self.errors: list[FieldError] = []
        self.line = int(element.sourceline or 0)

    def fail(self, path: str, reason: str, value: str | None, element: Any = None) -> None:
        """Record an error at an element's line."""
        line = int(element.sourceline) if element is not None and element.sourceline else self.line
        self.errors.append(FieldError(path, reason, value, file=self.source.label, line=line))

    def text(self, parent: Any, path: str, *names: str) -> str | None:
        """The stripped text of a descendant, or None."""
        node = _find(parent, *names) if parent is not None else None
        if node is None or node.text is None or not node.text.strip():
            return None
        value = str(node.text).strip()
        return value

    def day(self, parent: Any, path: str, *names: str) -> date | None:
        """An ISO yyyy-mm-dd date element."""
        node = _find(parent, *names)
        value = self.text(parent, path, *names)
        if value is None:
            return None
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            self.fail(f"{path}.{names[-1]}", "not a valid date (expected yyyy-mm-dd)", value, node)
            return None

    def code(self, parent: Any, path: str, name: str, allowed: set[str]) -> str | None:
        """A coded element checked against its DfE list."""
        value = self.text(parent, path, name)
        if value is not None and value.upper() not in allowed:
            self.fail(f"{path}.{name}", "unknown code; expected one of " + ", ".join(sorted(allowed))[:300], value,
                      _find(parent, name))
            return None
        return value.upper() if value else None

    def read(self) -> Row:
        """The child's events, or its errors."""
        ident = _find(self.element, "ChildIdentifiers")
        la_id = self.text(ident, "ChildIdentifiers", "LAchildID") if ident is not None else None
        if not la_id:
            self.fail("ChildIdentifiers.LAchildID", "is required", None)
            return Row(line=self.line, errors=self.errors)
        upn = self.text(ident, "ChildIdentifiers", "UPN")
        sex_text = self.text(ident, "ChildIdentifiers", "Sex") or self.text(ident, "ChildIdentifiers",
                                                                            "GenderCurrent")
        sex = GENDER.get(sex_text or "")
        if sex_text and sex is None:
            self.fail("ChildIdentifiers.Sex", "unknown code; expected M, F, U (or GenderCurrent 0, 1, 2, 9)",
                      sex_text, ident)
        area = agency_area(self.agency)
        person = build_person({
            "agency_person_id": la_id, "council_child_id": la_id, "upn": upn.upper() if upn else None,
            "dob": self.day(ident, "ChildIdentifiers", "PersonBirthDate"), "sex": sex,
            "ethnicity": self.text(self.element, "ChildCharacteristics", "ChildCharacteristics", "Ethnicity"),
            "home_area_code": area,
        }, source=self.source, line=self.line, errors=self.errors)
        events: list[dict[str, Any]] = []
        episodes = _all(self.element, "CINdetails")
        if not episodes:  # the census lists a child only for an episode of need; without one nothing is known
            self.fail("CINdetails", "is required: every child in a CIN census has at least one episode of need",
                      None)
        for index, details in enumerate(episodes, start=1):
            events.extend(self._details(details, f"CINdetails[{index}]", la_id))
        built: list[EventIn] = []
        if person is not None:
            for values in events:
                line = values.pop("_line")
                event = build_event({**values, "agency": self.agency, "area_code": area, "person": person},
                                    source=self.source, line=line, errors=self.errors)
                if event is not None:
                    built.append(event)
        return Row(line=self.line, events=built, errors=self.errors, agency=self.agency,
                   raw=etree.tostring(self.element, encoding="unicode")[:4000])

    def _details(self, details: Any, path: str, la_id: str) -> list[dict[str, Any]]:
        """The events of one episode of need: referral, assessments, s47s, CIN plans, CP plans."""
        out: list[dict[str, Any]] = []
        referred = self.day(details, path, "CINreferralDate")
        if referred is None:
            self.fail(f"{path}.CINreferralDate", "is required", None, details)
            return out
        key = f"{la_id}/{referred.isoformat()}"

        def add(kind: str, on: date, suffix: str, payload: dict[str, Any], element: Any) -> None:
            out.append({"kind": kind, "occurred_at": datetime(on.year, on.month, on.day),
                        "agency_key": f"{key}/{suffix}", "payload": payload,
                        "_line": int(element.sourceline or self.line)})

        add("referral", referred, "referral", {
            "referral_source": self.code(details, path, "ReferralSource", REFERRAL_SOURCES),
            "primary_need": self.code(details, path, "PrimaryNeedCode", PRIMARY_NEEDS)}, details)
        for number, block in enumerate(_all(details, "Assessments"), start=1):
            where = f"{path}.Assessments[{number}]"
            started = self.day(block, where, "AssessmentActualStartDate")
            authorised = self.day(block, where, "AssessmentAuthorisationDate")
            factors = self._factors(block, where)
            if authorised is not None:  # an assessment still open at the census date is not completed yet
                add("assessment_completed", authorised, f"assessment/{(started or authorised).isoformat()}",
                    {"factors": factors, "assessment_type": "s17"}, block)
        for number, block in enumerate(_all(details, "Section47"), start=1):
            started = self.day(block, f"{path}.Section47[{number}]", "S47ActualStartDate")
            if started is not None:
                add("assessment_completed", started, f"s47/{started.isoformat()}",
                    {"factors": [], "assessment_type": "s47"}, block)
        for number, block in enumerate(_all(details, "CINPlanDates"), start=1):
            where = f"{path}.CINPlanDates[{number}]"
            started = self.day(block, where, "CINPlanStartDate")
            ended = self.day(block, where, "CINPlanEndDate")
            if started is not None:
                add("cin_plan_start", started, f"cin-plan/{started.isoformat()}/start", {}, block)
                if ended is not None:
                    add("cin_plan_end", ended, f"cin-plan/{started.isoformat()}/end", {}, block)
        for number, block in enumerate(_all(details, "ChildProtectionPlans"), start=1):
            where = f"{path}.ChildProtectionPlans[{number}]"
            started = self.day(block, where, "CPPstartDate")
            ended = self.day(block, where, "CPPendDate")
            initial = self.code(block, where, "InitialCategoryOfAbuse", ABUSE)
            latest = self.code(block, where, "LatestCategoryOfAbuse", ABUSE)
            if started is not None:
                add("cp_plan_start", started, f"cp-plan/{started.isoformat()}/start",
                    {"category_of_abuse": initial}, block)
                if ended is not None:
                    add("cp_plan_end", ended, f"cp-plan/{started.isoformat()}/end",
                        {"category_of_abuse": latest or initial}, block)
        return out

    def _factors(self, block: Any, where: str) -> list[str]:
        """Assessment factor codes (legacy 18A/19A kept as sent: physical/sexual abuse, perpetrator unknown)."""
        holder = _find(block, "FactorsIdentifiedAtAssessment")
        nodes = _all(holder, "AssessmentFactors") if holder is not None else _all(block, "AssessmentFactors")
        codes = []
        for node in nodes:
            value = (node.text or "").strip().upper()
            if value not in FACTORS:
                self.fail(f"{where}.AssessmentFactors", "unknown assessment factor code", value, node)
            elif value not in codes:
                codes.append(value)
        return codes


def read(stream: Stream, source: Source) -> Iterator[Row]:
    """One Row per <Child>; a DOCTYPE, a syntax error or a wrong header is a located error."""
    head = stream.read(SNIFF_BYTES)
    refusal = doctype_refusal(head, source)
    if refusal is not None:
        yield Row(line=1, errors=[refusal])
        return
    if not source.agency:
        yield Row(line=1, errors=[FieldError("agency", "a CIN census file needs --agency (e.g. CSC-E08000025)",
                                             None, file=source.label, line=1)])
        return
    parser_input = _Rejoin(head, stream)
    context = etree.iterparse(parser_input, events=("end",), resolve_entities=False, no_network=True,
                              load_dtd=False, huge_tree=False, remove_comments=True, remove_pis=True)
    checked = False
    try:
        for _event, element in context:
            name = _local(element.tag)
            if not checked:
                checked = True
                if element.getroottree().docinfo.doctype:
                    yield Row(line=1, errors=[FieldError("(file)", "XML with a DOCTYPE is refused", None,
                                                         file=source.label, line=1)])
                    return
            if name == "CollectionDetails":
                problem = _check_header(element, source)
                if problem is not None:
                    yield Row(line=int(element.sourceline or 1), errors=[problem])
                    return
            elif name == "Child":
                yield _Child(element, source, source.agency).read()
                element.clear()
                parent = element.getparent()
                while parent is not None and element.getprevious() is not None:
                    del parent[0]
    except etree.XMLSyntaxError as error:
        line = max(error.lineno or 1, 1)  # an empty document reports line 0; rows count from 1
        yield Row(line=line, errors=[FieldError("(xml)", f"not well-formed XML: {error.msg}", None,
                                                file=source.label, line=line)])


def _check_header(element: Any, source: Source) -> FieldError | None:
    """The collection must be CIN and the year one we know how to read."""
    collection = (_find(element, "Collection").text or "").strip() if _find(element, "Collection") is not None else ""
    year_node = _find(element, "Year")
    year_text = (year_node.text or "").strip() if year_node is not None else ""
    line = int(element.sourceline or 1)
    if collection.upper() != "CIN":
        return FieldError("Header.CollectionDetails.Collection", "not a CIN census file", collection,
                          file=source.label, line=line)
    if not is_digits(year_text) or int(year_text) < FIRST_YEAR:
        return FieldError("Header.CollectionDetails.Year", f"census years from {FIRST_YEAR} are supported",
                          year_text, file=source.label, line=line)
    return None


class _Rejoin:
    """A stream that replays the sniffed head before the rest, for the XML parser."""

    def __init__(self, head: bytes, rest: Stream) -> None:
        """Serve `head` first, then `rest`."""
        self.head = head
        self.rest = rest

    def read(self, size: int = -1) -> bytes:
        """Read from the head, then from the rest."""
        if self.head:
            data, self.head = (self.head, b"") if size < 0 or size >= len(self.head) else (
                self.head[:size], self.head[size:])
            return data
        return self.rest.read(size)
