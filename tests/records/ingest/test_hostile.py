"""The malformed-file corpus: each file yields its documented error, every error is listed, nothing is written."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from reachable.common.errors import InputRejected
from tests.records.ingest.conftest import CORPUS, counts, import_paths

POLICE = "POL-E23000014"
CASES = [
    ("truncated.xml", "CSC-E08000025", "(xml)", "not well-formed XML"),
    ("xxe.xml", "CSC-E08000025", "(file)", "DOCTYPE or ENTITY declaration is refused"),
    ("billion_laughs.xml", "CSC-E08000025", "(file)", "DOCTYPE or ENTITY declaration is refused"),
    ("cin_bad_codes.xml", "CSC-E08000025", "CINdetails[1].ReferralSource", "unknown code"),
    ("cin_no_episode.xml", "CSC-E08000025", "CINdetails", "is required"),
    # Superscript digits pass str.isdigit() but not int(): an unhandled ValueError before.
    ("cin_superscript_year.xml", "CSC-E08000025", "Header.CollectionDetails.Year", "census years from"),
    ("police_wrong_columns.csv", POLICE, "(header)", "wrong columns"),
    ("police_bad_dates.csv", POLICE, "arrested_at", "not a valid date and time"),
    ("police_bad_codes.csv", POLICE, "offence_category", "unknown code"),
    ("police_duplicated_keys.csv", POLICE, "agency_key", "duplicate key: already on line 2"),
    ("police_latin1.csv", POLICE, "(line)", "not valid UTF-8"),
    ("binary_junk.csv", POLICE, "(format)", "binary content"),
    ("police_oversized_field.csv", POLICE, "(line)", "field larger than field limit"),
]


@pytest.mark.parametrize(("name", "agency", "field", "reason"), CASES)
def test_corpus_file_is_refused_whole(session: Session, name: str, agency: str, field: str, reason: str) -> None:
    with pytest.raises(InputRejected) as refused:
        import_paths(session, [CORPUS / name], agency=agency)
    session.rollback()
    assert any(e.field == field and reason in e.reason for e in refused.value.errors), refused.value.errors
    assert all(e.file and str(CORPUS) in e.file for e in refused.value.errors)
    assert counts(session) == (0, 0, 0)


def test_every_error_is_listed_with_line_field_and_value(session: Session) -> None:
    with pytest.raises(InputRejected) as refused:
        import_paths(session, [CORPUS / "police_bad_codes.csv", CORPUS / "police_bad_dates.csv"], agency=POLICE)
    found = {(Path(e.file or "").name, e.line, e.field) for e in refused.value.errors}
    assert ("police_bad_codes.csv", 2, "sex") in found and ("police_bad_codes.csv", 2, "offence_category") in found
    assert ("police_bad_codes.csv", 3, "area_code") in found
    assert ("police_bad_dates.csv", 2, "arrested_at") in found and ("police_bad_dates.csv", 3, "dob") in found
    assert all(e.value is not None for e in refused.value.errors if e.field in ("sex", "arrested_at"))


def test_accept_valid_imports_the_rest_and_neutralises_rejects(session: Session, tmp_path: Path) -> None:
    rejects = tmp_path / "rejects.csv"
    report = import_paths(session, [CORPUS / "police_formula.csv", CORPUS / "police_bad_dates.csv"], agency=POLICE,
                          accept_valid=True, rejects=rejects)
    assert report.totals()["created"] == 2  # the formula row (stored as text) and the one good dated row
    assert report.totals()["rejected_rows"] == 3
    rows = list(csv.DictReader(rejects.open(encoding="utf-8")))
    assert {r["field"] for r in rows} >= {"offence_category", "arrested_at", "dob"}
    assert all(not cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r.values())
    assert any(r["row"].startswith("'") or "'@SUM" in r["value"] or r["value"] == "bogus" for r in rows)


def test_cin_needs_an_agency(session: Session) -> None:
    with pytest.raises(InputRejected) as refused:
        import_paths(session, [CORPUS / "cin_valid.xml"])
    assert [e.field for e in refused.value.errors] == ["agency"]
