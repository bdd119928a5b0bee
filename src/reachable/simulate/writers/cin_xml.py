"""DfE children in need census XML (format cin-xml): one file per English council per census year."""

from __future__ import annotations

from collections import Counter
from datetime import date

from reachable.simulate.areas import AREA_BY_CODE
from reachable.simulate.csc import CinEpisode
from reachable.simulate.identity import dob_text
from reachable.simulate.rand import iso_date, ordinal
from reachable.simulate.writers.base import Ctx


def census_years(start: float, end: float) -> list[int]:
    """Census years (ending 31 March) whose reference date falls inside the window."""
    first, last = date.fromordinal(int(start)).year, date.fromordinal(int(end)).year
    return [y for y in range(first, last + 1) if start <= ordinal(date(y, 3, 31)) <= end]


def preamble(la: str, year: int) -> str:
    """XML declaration, Header and the opening of Children."""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Message>\n  <Header>\n    <CollectionDetails>\n'
        f"      <Collection>CIN</Collection>\n      <Year>{year}</Year>\n"
        f"      <ReferenceDate>{year}-03-31</ReferenceDate>\n    </CollectionDetails>\n    <Source>\n"
        f"      <SourceLevel>L</SourceLevel>\n      <LEA>{la}</LEA>\n"
        f"      <SoftwareCode>Reachable simulator</SoftwareCode>\n      <Release>1</Release>\n"
        f"      <SerialNo>001</SerialNo>\n      <DateTime>{year}-05-01T09:00:00</DateTime>\n"
        "    </Source>\n  </Header>\n  <Children>\n"
    )


FOOTER = "  </Children>\n</Message>\n"


def _d(tag: str, t: float | None, ref: float, pad: str) -> str:
    """An optional date element, omitted when unknown or after the reference date."""
    if t is None or t > ref:
        return ""
    return f"{pad}<{tag}>{iso_date(t)}</{tag}>\n"


def _details(ep: CinEpisode, ref: float, kinds: Counter[str]) -> str:
    """One CINdetails element as known at the reference date (schema element order)."""
    p = "        "
    out = [
        f"      <CINdetails>\n{p}<CINreferralDate>{iso_date(ep.referral)}</CINreferralDate>\n",
        f"{p}<ReferralSource>{ep.source}</ReferralSource>\n{p}<PrimaryNeedCode>{ep.need}</PrimaryNeedCode>\n",
    ]
    kinds["referral"] += 1
    if ep.closure is not None and ep.closure <= ref:
        out.append(
            f"{p}<CINclosureDate>{iso_date(ep.closure)}</CINclosureDate>\n"
            f"{p}<ReasonForClosure>{ep.closure_reason}</ReasonForClosure>\n"
        )
    out.append(_d("DateOfInitialCPC", ep.icpc, ref, p))
    if ep.assessment is not None and ep.assessment[0] <= ref:
        s, auth, codes = ep.assessment
        out.append(f"{p}<Assessments>\n{_d('AssessmentActualStartDate', s, ref, p + '  ')}")
        if auth <= ref:
            kinds["assessment_completed"] += 1
            out.append(_d("AssessmentAuthorisationDate", auth, ref, p + "  "))
            out.append(f"{p}  <FactorsIdentifiedAtAssessment>\n")
            out.extend(f"{p}    <AssessmentFactors>{c}</AssessmentFactors>\n" for c in codes)
            out.append(f"{p}  </FactorsIdentifiedAtAssessment>\n")
        out.append(f"{p}</Assessments>\n")
    if ep.cin_plan is not None and ep.cin_plan[0] <= ref:
        kinds["cin_plan_start"] += 1
        end = ep.cin_plan[1] if ep.cin_plan[1] is not None and ep.cin_plan[1] <= ref else None
        kinds["cin_plan_end"] += end is not None
        out.append(
            f"{p}<CINPlanDates>\n{_d('CINPlanStartDate', ep.cin_plan[0], ref, p + '  ')}"
            f"{_d('CINPlanEndDate', end, ref, p + '  ')}{p}</CINPlanDates>\n"
        )
    if ep.s47 is not None and ep.s47 <= ref:
        kinds["assessment_completed"] += 1
        out.append(
            f"{p}<Section47>\n{_d('S47ActualStartDate', ep.s47, ref, p + '  ')}"
            f"{_d('InitialCPCtarget', ep.s47 + 15, 10**9, p + '  ')}"
            f"{_d('DateOfInitialCPC', ep.icpc, ref, p + '  ')}"
            f"{p}  <ICPCnotRequired>false</ICPCnotRequired>\n{p}</Section47>\n"
        )
    out.append(f"{p}<ReferralNFA>{'true' if ep.nfa else 'false'}</ReferralNFA>\n")
    if ep.cp_plan is not None and ep.cp_plan[0] <= ref:
        s, e, first, latest = ep.cp_plan
        kinds["cp_plan_start"] += 1
        kinds["cp_plan_end"] += e is not None and e <= ref
        out.append(
            f"{p}<ChildProtectionPlans>\n{_d('CPPstartDate', s, ref, p + '  ')}"
            f"{_d('CPPendDate', e, ref, p + '  ')}"
            f"{p}  <InitialCategoryOfAbuse>{first}</InitialCategoryOfAbuse>\n"
            f"{p}  <LatestCategoryOfAbuse>{latest}</LatestCategoryOfAbuse>\n"
            f"{p}  <NumberOfPreviousCPP>0</NumberOfPreviousCPP>\n{p}</ChildProtectionPlans>\n"
        )
    out.append("      </CINdetails>\n")
    return "".join(out)


def write_cin(ctx: Ctx, episodes: list[CinEpisode]) -> None:
    """Write the child's episodes into each English council's census file for every year they overlap."""
    c = ctx.child
    groups: dict[tuple[str, str], list[CinEpisode]] = {}
    for ep in episodes:
        if AREA_BY_CODE[ep.area].welsh:
            continue  # Welsh councils make the CRCS return, not the DfE CIN census
        agency = f"CSC-{ep.area}"
        reg = ctx.ident.person(agency, ep.referral)
        ep.extra["la_child_id"] = reg.person_id
        groups.setdefault((agency, reg.person_id), []).append(ep)
    for year in census_years(ctx.start, ctx.end):
        ref = float(ordinal(date(year, 3, 31)))
        year_start = float(ordinal(date(year - 1, 4, 1)))
        for (agency, pid), eps in groups.items():
            live = [e for e in eps if e.referral <= ref and (e.closure is None or e.closure >= year_start)]
            if not live:
                continue
            reg = next(r for r in ctx.ident.by_agency[agency] if r.person_id == pid)
            kinds: Counter[str] = Counter()
            age = c.age_at(ref)
            if age >= 5 and ctx.rng.random() < ctx.ident.noise.upn_in_cin:
                upn = f"          <UPN>{ctx.ident.upn}</UPN>\n"
            else:
                upn = f"          <UPNunknown>{'UN1' if age < 6 else 'UN4'}</UPNunknown>\n"
            sex = {"M": "1", "F": "2"}.get(reg.sex, "0")
            sex_el = f"<GenderCurrent>{sex}</GenderCurrent>" if year <= 2024 else f"<Sex>{reg.sex}</Sex>"
            dob = dob_text(reg, "%Y-%m-%d")
            dis = "LD" if c.sen == "E" and ctx.rng.random() < 0.5 else "NONE"
            body = (
                f"    <Child>\n      <ChildIdentifiers>\n          <LAchildID>{pid}</LAchildID>\n{upn}"
                + (f"          <PersonBirthDate>{dob}</PersonBirthDate>\n" if dob else "")
                + f"          {sex_el}\n      </ChildIdentifiers>\n      <ChildCharacteristics>\n"
                f"          <Ethnicity>{c.ethnicity}</Ethnicity>\n          <Disabilities><Disability>{dis}"
                "</Disability></Disabilities>\n      </ChildCharacteristics>\n"
                + "".join(_details(e, ref, kinds) for e in live)
                + "    </Child>\n"
            )
            la = AREA_BY_CODE[agency[4:]].dfe_la
            ctx.sink.text(
                f"extracts/{agency}/cin_census_{year}.xml",
                "cin-xml",
                agency,
                "cin_census",
                preamble(la, year),
                FOOTER,
                body,
                (pid,),
                kinds,
                {"census_year": year},
            )
