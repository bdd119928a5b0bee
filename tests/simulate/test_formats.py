"""Schema checks on every extract: manifest, CIN census XML structure, SSDA903 tables, CSV layouts."""

from __future__ import annotations

import csv
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from reachable.simulate.areas import AREA_BY_CODE, area_of_postcode
from reachable.simulate.identity import nhs_check_digit, upn_check_letter
from reachable.simulate.writers import intel, local, nrm, police, ssda903

FORMATS = {"cin-xml", "ssda903", "police-csv", "schools-csv", "nrm-csv", "intel-csv", "health-csv", "yjs-csv"}
AGENCY = re.compile(r"^(POL-(E23|W15)\d{6}|(CSC|EDU|HLT|YJS)-(E0[689]|E09|E10|W06)\d{6}|VCS-[a-z0-9-]+|NRM-SCA)$")
UK_DATE = re.compile(r"^\d{2}/\d{2}/\d{4}$")
UK_DATETIME = re.compile(r"^\d{2}/\d{2}/\d{4} \d{2}:\d{2}$")
POSTCODE = re.compile(r"^[A-Z]{1,2}\d{1,2} \d[ABD-HJLNP-UW-Z]{2}$")
CIN_ORDER = [
    "CINreferralDate",
    "ReferralSource",
    "PrimaryNeedCode",
    "CINclosureDate",
    "ReasonForClosure",
    "DateOfInitialCPC",
    "Assessments",
    "CINPlanDates",
    "Section47",
    "ReferralNFA",
    "ChildProtectionPlans",
]
FACTORS = {f"{n}{s}" for n in range(1, 25) for s in "ABCDEF"} | {"20", "21"}
HEADERS = {
    ("police-csv", "missing_reports"): police.MISSING,
    ("police-csv", "stop_searches"): police.SEARCH,
    ("police-csv", "arrests"): police.ARREST,
    ("police-csv", "custody"): police.CUSTODY,
    ("police-csv", "incidents"): police.INCIDENT,
    ("intel-csv", "intelligence"): intel.INTEL,
    ("intel-csv", "concerns"): intel.CONCERN,
    ("intel-csv", "return_interviews"): intel.RHI,
    ("schools-csv", "pupils"): local.PUPIL,
    ("schools-csv", "exclusions"): local.EXCL,
    ("schools-csv", "part_time_timetables"): local.PTT,
    ("schools-csv", "concerns"): local.SCONCERN,
    ("health-csv", "attendances"): local.ATTEND,
    ("yjs-csv", "interventions"): local.YJS,
    ("nrm-csv", "referrals"): nrm.REFERRAL,
    ("nrm-csv", "decisions"): nrm.DECISION,
    ("ssda903", "header"): ssda903.HEADER,
    ("ssda903", "episodes"): ssda903.EPISODES,
    ("ssda903", "missing"): ssda903.MISSING,
}


def _rows(root: Path, entry: dict[str, Any]) -> list[dict[str, str]]:
    """The rows of a CSV extract."""
    with (root / entry["path"]).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_manifest_lists_every_extract(small_world: tuple[Path, dict[str, Any]]) -> None:
    root, manifest = small_world
    listed = {f["path"] for f in manifest["files"]}
    on_disk = {str(p.relative_to(root)) for p in (root / "extracts").rglob("*") if p.is_file()}
    assert listed == on_disk
    formats = {f["format"] for f in manifest["files"]}
    assert formats == FORMATS
    for f in manifest["files"]:
        assert AGENCY.match(f["agency"]), f["agency"]
        assert f["path"].startswith(f"extracts/{f['agency']}/")
        if f["format"] != "cin-xml":
            assert len(_rows(root, f)) == f["records"]
    assert manifest["events_total"] > 3000 * 3
    countries = {AREA_BY_CODE[f["agency"][4:]].country for f in manifest["files"] if f["agency"][:3] == "EDU"}
    assert countries == {"England", "Wales"}


def test_csv_headers_dates_and_codes(small_world: tuple[Path, dict[str, Any]]) -> None:
    root, manifest = small_world
    for f in manifest["files"]:
        if f["format"] == "cin-xml":
            continue
        with (root / f["path"]).open(encoding="utf-8") as fh:
            assert next(csv.reader(fh)) == HEADERS[(f["format"], f["table"])]
        for row in _rows(root, f):
            for col, value in row.items():
                if value and (col.endswith("_at") or col in ("reported_at", "found_at")):
                    assert UK_DATETIME.match(value), (col, value)
                if value and (
                    col.endswith("_date")
                    or col in ("dob", "DOB", "DECOM", "DEC", "MIS_START", "MIS_END", "offered_on", "completed_on")
                ):
                    assert UK_DATE.match(value), (col, value)
            if f["table"] == "arrests":
                assert row["offence_category"] in {
                    "pwits_class_a",
                    "possession_class_a",
                    "other_drugs",
                    "offensive_weapon",
                    "other",
                }
                assert row["role"] == "suspect"
            if f["table"] == "incidents":
                assert row["role"] in {"victim", "witness", "other", "suspect"}
            if f["table"] == "stop_searches":
                assert set(filter(None, row["items_found"].split(";"))) <= {
                    "drugs",
                    "offensive_weapon",
                    "firearm",
                    "cash",
                    "phone",
                    "other",
                }
            if f["table"] == "missing":
                assert row["MISSING"] in {"M", "A"}
            if f["table"] == "episodes":
                assert row["RNE"] in {"S", "L", "P", "T", "B", "U"}
                assert re.match(r"^(C[12]|D1|E1|V[234]|L[123]|J[123])$", row["LS"])
            if f["table"] == "pupils":
                assert POSTCODE.match(row["postcode"])
                assert area_of_postcode(row["postcode"]) is not None
                assert upn_check_letter(row["upn"][1:]) == row["upn"][0]
            if f["table"] == "attendances" and row["nhs_number"]:
                assert nhs_check_digit(row["nhs_number"][:9]) == int(row["nhs_number"][9])


def test_cin_census_xml_follows_the_dfe_structure(small_world: tuple[Path, dict[str, Any]]) -> None:
    root, manifest = small_world
    files = [f for f in manifest["files"] if f["format"] == "cin-xml"]
    assert files and all(not AREA_BY_CODE[f["agency"][4:]].welsh for f in files)
    for f in files:
        msg = ET.parse(root / f["path"]).getroot()
        assert msg.tag == "Message" and [c.tag for c in msg] == ["Header", "Children"]
        year = msg.findtext("Header/CollectionDetails/Year")
        assert year == str(f["census_year"])
        assert msg.findtext("Header/CollectionDetails/ReferenceDate") == f"{year}-03-31"
        assert re.match(r"^\d{3}$", msg.findtext("Header/Source/LEA") or "")
        children = msg.findall("Children/Child")
        assert len(children) == f["records"] > 0
        for child in children:
            assert [c.tag for c in child][:2] == ["ChildIdentifiers", "ChildCharacteristics"]
            assert child.findtext("ChildIdentifiers/LAchildID")
            assert child.findtext("ChildIdentifiers/GenderCurrent") in {"0", "1", "2", "9"}
            for det in child.findall("CINdetails"):
                tags = [c.tag for c in det]
                assert tags == sorted(tags, key=CIN_ORDER.index)
                assert det.findtext("ReferralNFA") in {"true", "false"}
                for code in det.iterfind("Assessments/FactorsIdentifiedAtAssessment/AssessmentFactors"):
                    assert code.text in FACTORS


def test_ground_truth_joins_every_source_record(small_world: tuple[Path, dict[str, Any]]) -> None:
    root, manifest = small_world
    with (root / "truth" / "person_records.csv").open(encoding="utf-8") as fh:
        truth = {(r["agency"], r["agency_person_id"]): r["child_id"] for r in csv.DictReader(fh)}
    id_col = {
        "police-csv": "person_id",
        "intel-csv": "person_id",
        "schools-csv": "upn",
        "health-csv": "patient_id",
        "yjs-csv": "yjs_id",
        "nrm-csv": "nrm_person_id",
        "ssda903": "CHILD",
    }
    joined = 0
    for f in manifest["files"]:
        if f["format"] == "cin-xml":
            ids = [e.text for e in ET.parse(root / f["path"]).getroot().iter("LAchildID")]
        else:
            ids = [r[id_col[f["format"]]] for r in _rows(root, f)]
        for pid in ids:
            assert (f["agency"], pid) in truth, (f["path"], pid)
            joined += 1
    assert joined > 5000
    children = {r["child_id"] for r in csv.DictReader((root / "truth" / "children.csv").open(encoding="utf-8"))}
    assert set(truth.values()) <= children
