"""Each format maps into canonical events; re-imports are no-ops; bulk and row-by-row store the same rows."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from reachable.records import service as records
from reachable.records.ingest.detect import detect
from reachable.records.ingest.writer import BulkWriter
from reachable.records.kinds import EventKind
from reachable.records.models import Event, SourceRecord
from tests.factories import SAMPLE_PAYLOADS, event, person
from tests.records.ingest.conftest import CORPUS, counts, import_paths


def _jsonl(path: Path, events: list) -> Path:  # type: ignore[type-arg]
    path.write_text("".join(e.model_dump_json() + "\n" for e in events), encoding="utf-8")
    return path


def _every_kind() -> list:  # type: ignore[type-arg]
    return [event(kind, agency_key=f"K-{kind.value}", person=person(agency_person_id=f"P{i % 3}"))
            for i, kind in enumerate(EventKind)]


def test_canonical_import_reimport_and_correction(session: Session, tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "events.jsonl", _every_kind())
    report = import_paths(session, [path])
    assert report.totals()["created"] == len(EventKind)
    assert counts(session) == (len(EventKind), 3, 1)
    again = import_paths(session, [path])
    assert again.files[0].skipped and counts(session) == (len(EventKind), 3, 1)
    corrected = _every_kind()
    corrected[0] = event(EventKind.MISSING_REPORTED, agency_key="K-missing_reported",
                         person=person(agency_person_id="P0"), payload={"missing_type": "A"})
    fixed = import_paths(session, [_jsonl(tmp_path / "fixed.jsonl", corrected)])
    assert (fixed.totals()["new_versions"], fixed.totals()["unchanged"]) == (1, len(EventKind) - 1)
    assert counts(session)[0] == len(EventKind) + 1


def test_bulk_writer_stores_exactly_what_store_events_stores(sessions) -> None:  # type: ignore[no-untyped-def]
    batch = [*_every_kind(), event(EventKind.ARREST, agency_key="K-arrest", person=person(agency_person_id="P0"),
                                   payload={"offence_category": "other"})]
    rows = {}
    for mode in ("row", "bulk"):
        with sessions() as session:
            if mode == "row":
                records.store_events(session, events=batch)
            else:
                BulkWriter(session).write(events=list(enumerate(batch, start=1)))
            rows[mode] = (
                [(e.kind, e.agency_key, e.version, e.superseded_at is None, e.content_hash, e.payload, e.area_code)
                 for e in session.scalars(select(Event).order_by(Event.agency_key, Event.version))],
                [(r.agency_person_id, r.first_name, r.dob, r.postcode, r.content_hash)
                 for r in session.scalars(select(SourceRecord).order_by(SourceRecord.agency_person_id))])
            session.rollback()
    assert rows["row"] == rows["bulk"]
    assert any(version == 2 for _, _, version, *_ in rows["bulk"][0])


def test_cin_census_2019_and_2025(session: Session) -> None:
    report = import_paths(session, [CORPUS / "cin_valid.xml", CORPUS / "cin_2025.xml"], agency="CSC-E08000025")
    old, new = report.files
    assert dict(old.events) == {"referral": 1, "assessment_completed": 2, "cp_plan_start": 1, "cp_plan_end": 1}
    assert dict(new.events) == {"referral": 1, "assessment_completed": 2, "cp_plan_start": 1, "cp_plan_end": 1,
                                "cin_plan_start": 1}
    factors = {tuple(e.payload.get("factors", ())) for e in session.scalars(select(Event))
               if e.kind == "assessment_completed"}
    assert ("13A", "18A") in factors and ("24A", "18B") in factors  # legacy 18A kept; 24A kept
    sexes = {r.sex for r in session.scalars(select(SourceRecord))}
    assert sexes == {"M", "F"}  # GenderCurrent 1 (to 2024) and Sex F (from 2024-25)


def test_ssda903_tables(session: Session, tmp_path: Path) -> None:
    folder = tmp_path / "CSC-E08000025"
    folder.mkdir()
    (folder / "header.csv").write_text("CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\nC1,1,03/04/2009,WBRI,UN4,,\n")
    (folder / "episodes.csv").write_text(
        "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN,PL_LA,"
        "PL_DISTANCE\n"
        "C1,01/04/2023,S,V2,N1,U6,PR1,01/06/2023,X1,CHILD,B15 2TT,B16 1AA,XXXXXXX,E08000025,2.1\n"
        "C1,01/06/2023,P,V2,N1,K2,PR4,01/02/2024,E8,,B15 2TT,SY1 1AA,SC123456,E06000051,48.2\n")
    (folder / "missing.csv").write_text("CHILD,DOB,MISSING,MIS_START,MIS_END\nC1,03/04/2009,M,10/07/2023,12/07/2023\n"
                                        "C1,03/04/2009,A,10/08/2023,\n")
    report = import_paths(session, [folder])
    kinds = {kind: sum(f.events[kind] for f in report.files) for kind in
             ("looked_after_start", "placement_change", "looked_after_end", "missing_reported", "missing_found")}
    assert kinds == {"looked_after_start": 1, "placement_change": 1, "looked_after_end": 1, "missing_reported": 2,
                     "missing_found": 1}
    [change] = [e for e in session.scalars(select(Event)) if e.kind == "placement_change"]
    assert change.payload["in_area"] is False and change.payload["distance_miles"] == 48.2
    [record] = session.scalars(select(SourceRecord))
    assert (record.sex, record.upn, record.postcode) == ("M", None, "B15 2TT")  # UN4 means no UPN
    types = sorted(e.payload["missing_type"] for e in session.scalars(select(Event)) if e.kind == "missing_reported")
    assert types == ["A", "M"]


def test_detection() -> None:
    assert detect(b'{"agency": "POL-E23000014"}\n')[0] == "canonical"
    assert detect(b'\xef\xbb\xbf<?xml version="1.0"?><Message>')[0] == "cin-xml"
    assert detect(b"CHILD,DOB,MISSING,MIS_START,MIS_END\n")[0] == "ssda903"
    assert detect((CORPUS / "police_bad_dates.csv").read_bytes())[0] == "police-csv"
    assert detect((CORPUS / "binary_junk.csv").read_bytes())[0] is None


def test_sample_payloads_cover_canonical(tmp_path: Path) -> None:
    # The documented schema validates what the API and JSONL accept.
    schema = json.loads((Path(__file__).parents[3] / "docs" / "canonical-event.schema.json").read_text())
    assert set(schema["$defs"]["EventKind"]["enum"]) == {k.value for k in SAMPLE_PAYLOADS}


def test_documented_schema_is_generated_from_the_models() -> None:
    from reachable.records.ingest.schema import schema_text

    path = Path(__file__).parents[3] / "docs" / "canonical-event.schema.json"
    assert path.read_text(encoding="utf-8") == schema_text(), "regenerate: python -m reachable.records.ingest.schema"


def test_api_submissions_carry_provenance(settings, engine, sessions) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from reachable.access import service as access
    from reachable.api.app import create_app
    from reachable.areas import service as areas
    from reachable.records.models import ImportBatch

    with sessions() as session:
        agency = areas.ensure_agency(session, code="POL-E23000014")
        token = access.create_token(session, agency_id=agency.id, name="niche-rms", purpose="submit_events")
        session.commit()
    body = {"events": [event(EventKind.ARREST, agency_key=f"A{i}").model_dump(mode="json") for i in range(3)]}
    with TestClient(create_app(settings, engine=engine)) as client:
        reply = client.post("/api/v1/events/batch", json=body, headers={"Authorization": f"Bearer {token}"})
    assert reply.status_code == 201, reply.text
    with sessions() as session:
        [batch] = session.scalars(select(ImportBatch))
        lines = sorted(e.source_line for e in session.scalars(select(Event)))
        assert (batch.source_kind, batch.imported_by, len(batch.content_hash)) == ("api", "token:niche-rms", 64)
        assert lines == [0, 1, 2] and all(e.import_batch_id == batch.id for e in session.scalars(select(Event)))
