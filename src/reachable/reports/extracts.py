"""Statutory extracts from the system's own records: CIN census assessment factors (incl. 24A), SSDA903 Missing.

These are child-level (personal data) files for the council's own return, never for publication;
the caller audits every extract.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from reachable.reports import sources as src
from reachable.reports.exports import neutralise
from reachable.reports.scope import ReportContext, area_filter, event_view
from reachable.reports.stats_missing import _key, found

CIN_COLUMNS = ("LAchildID", "UPN", "PersonBirthDate", "Sex", "AssessmentID", "AssessmentAuthorisationDate",
               "AssessmentFactors")
SSDA903_MISSING_COLUMNS = ("CHILD", "DOB", "MISSING", "MIS_START", "MIS_END")


@dataclass
class Extract:
    """A statutory extract: its columns, rows and a summary (e.g. children per factor)."""

    name: str
    columns: tuple[str, ...]
    rows: list[dict[str, str]]
    summary: dict[str, int]
    children: int

    def to_csv(self) -> str:
        """The extract as CSV in the return's column names."""
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(self.columns), lineterminator="\n")
        writer.writeheader()
        for row in self.rows:
            writer.writerow({key: neutralise(value) for key, value in row.items()})
        return buffer.getvalue()


def _uk(day: Any) -> str:
    """dd/mm/yyyy as the DfE returns use."""
    return day.strftime("%d/%m/%Y") if day else ""


def council_ids(session: Session, *, child_ids: set[int]) -> dict[int, tuple[str | None, str | None]]:
    """Each child's council child id and UPN from any linked record that holds them."""
    if not child_ids:
        return {}
    s, link = src.source_records, src.record_links
    rows = session.execute(
        select(link.c.child_id, func.max(s.c.council_child_id), func.max(s.c.upn))
        .select_from(s.join(link, and_(link.c.source_record_id == s.c.id, link.c.ended_at.is_(None))))
        .where(link.c.child_id.in_(sorted(child_ids))).group_by(link.c.child_id)).all()
    return {int(child): (council, upn) for child, council, upn in rows}


def _references(session: Session, child_ids: set[int]) -> dict[int, str]:
    """Child references, the fallback identifier when no council id is held."""
    if not child_ids:
        return {}
    c = src.children
    return {int(i): str(r) for i, r in session.execute(select(c.c.id, c.c.reference).where(c.c.id.in_(child_ids)))}


def cin_factors(session: Session, *, ctx: ReportContext) -> Extract:
    """One row per assessment factor identified at assessments completed in the range (home council)."""
    v = event_view(ctx, ("assessment_completed",), name="cin")
    rows = session.execute(
        select(v.child, v.e.c.agency_key, v.e.c.occurred_at,
               v.dob, v.sex, v.e.c.payload)
        .select_from(v.from_).where(v.base, area_filter(ctx, v, "home")).order_by(v.e.c.occurred_at)).all()
    children = {int(row[0]) for row in rows}
    ids, refs = council_ids(session, child_ids=children), _references(session, children)
    out: list[dict[str, str]] = []
    summary: Counter[str] = Counter()
    per_factor: dict[str, set[int]] = {}
    for child, assessment, at, dob, sex, payload in rows:
        council, upn = ids.get(int(child), (None, None))
        for factor in (payload or {}).get("factors", []):
            out.append({"LAchildID": council or refs.get(int(child), str(child)), "UPN": upn or "",
                        "PersonBirthDate": dob.isoformat() if dob else "", "Sex": sex or "",
                        "AssessmentID": str(assessment), "AssessmentAuthorisationDate": at.date().isoformat(),
                        "AssessmentFactors": str(factor)})
            per_factor.setdefault(str(factor), set()).add(int(child))
    for factor, members in sorted(per_factor.items()):
        summary[factor] = len(members)
    return Extract(name="cin_assessment_factors", columns=CIN_COLUMNS, rows=out, summary=dict(summary),
                   children=len(children))


def ssda903_missing(session: Session, *, ctx: ReportContext) -> Extract:
    """The SSDA903 Missing table: M/A episodes from care open at any time in the range (home council)."""
    v = event_view(ctx, ("missing_reported",), name="m903", in_period=False)
    key = _key(v, fallback=True)
    rows_ = (select(v.child.label("child"), key.label("key"), v.e.c.occurred_at.label("at"),
                    src.payload_text(v.e, "missing_type").label("type"), v.dob.label("dob"))
             .select_from(v.from_)
             .where(v.base, v.e.c.occurred_at < ctx.end_at, area_filter(ctx, v, "home"),
                    src.payload_flag(v.e, "from_care")).subquery("m903_rows"))
    reports = (select(rows_.c.child, rows_.c.key, func.min(rows_.c.at).label("started"),
                      func.max(rows_.c.type).label("type"), func.min(rows_.c.dob).label("dob"))
               .group_by(rows_.c.child, rows_.c.key).subquery("m903_reports"))
    fd = found(ctx)
    rows = session.execute(
        select(reports.c.child, reports.c.dob, reports.c.type, reports.c.started, fd.c.found_at)
        .select_from(reports.outerjoin(fd, and_(fd.c.child == reports.c.child, fd.c.key == reports.c.key)))
        .where(fd.c.found_at.is_(None) | (fd.c.found_at >= ctx.start_at)).order_by(reports.c.started)).all()
    children = {int(row[0]) for row in rows}
    ids, refs = council_ids(session, child_ids=children), _references(session, children)
    out = [{"CHILD": ids.get(int(child), (None, None))[0] or refs.get(int(child), str(child)), "DOB": _uk(dob),
            "MISSING": kind or "M", "MIS_START": _uk(started), "MIS_END": _uk(ended)}
           for child, dob, kind, started, ended in rows]
    summary = Counter(row["MISSING"] for row in out)
    return Extract(name="ssda903_missing", columns=SSDA903_MISSING_COLUMNS, rows=out, summary=dict(summary),
                   children=len(children))
