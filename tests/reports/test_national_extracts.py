"""Signed area returns combined nationally; statutory extracts (CIN factors incl. 24A, SSDA903 Missing)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from reachable.records.kinds import EventKind as K
from reachable.reports import extracts, national, service, signing
from reachable.reports.schemas import ALL
from tests.reports.conftest import BHAM, COV, ev, kid, load, value

KEY = "test-secret"
CSC = f"CSC-{BHAM}"


def _world(session: Session) -> None:
    events = []
    for n in range(7):
        home = BHAM if n < 5 else COV
        who = kid(f"Nat{n}", dob=date(2009, 1, 1), home=home)
        events.append(ev(K.MISSING_REPORTED, who, f"2024-06-{n + 1:02d}", area=home,
                         payload={"episode_ref": f"E{n}", "from_care": n % 2 == 0}))
    load(session, events)


def _signed(session: Session, area: str, tmp_path: Path) -> Path:
    ret = service.build_return(session, area=area, start=date(2024, 4, 1), end=date(2025, 3, 31))
    path = tmp_path / f"{area}.json"
    path.write_text(json.dumps(signing.sign(ret, secret_key=KEY)))
    return path


def test_national_combines_verified_returns_and_flags_gaps(session: Session, tmp_path: Path) -> None:
    _world(session)
    paths = [_signed(session, BHAM, tmp_path), _signed(session, COV, tmp_path)]
    tampered = json.loads(paths[1].read_text())
    tampered["return"]["cells"][0]["value"] = 999
    bad = tmp_path / "tampered.json"
    bad.write_text(json.dumps(tampered))
    ret = national.combine(national.read_envelopes([*paths, bad]), secret_key=KEY)
    assert value(ret.cells, "missing_children") == 7
    assert value(ret.cells, "missing_children", area=BHAM) == 5
    assert value(ret.cells, "missing_episodes_per_child", measure="ratio") == 1.0
    assert ret.areas_included == [BHAM, COV]
    assert any("tampered.json: rejected" in flag for flag in ret.flags)
    assert any(flag.startswith(f"{BHAM}: no data from childrens_social_care") for flag in ret.flags)
    wrong_key = national.combine(national.read_envelopes(paths[:1]), secret_key=KEY)
    assert wrong_key.area == ALL
    with pytest.raises(ValueError, match="no valid signed returns"):
        national.combine(national.read_envelopes(paths), secret_key="another key")


def test_ed25519_signature(session: Session, tmp_path: Path) -> None:
    if not signing.ed25519_available():
        pytest.skip("the optional `cryptography` package is not installed (HMAC signing is used instead)")
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    (tmp_path / "k.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                       serialization.NoEncryption()))
    (tmp_path / "k.pub").write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                                   serialization.PublicFormat.SubjectPublicKeyInfo))
    ret = service.build_return(session, area=BHAM, start=date(2024, 4, 1), end=date(2025, 3, 31))
    envelope = signing.sign(ret, secret_key=KEY, private_key=tmp_path / "k.pem")
    assert signing.verify(envelope, secret_key="", public_keys={BHAM: tmp_path / "k.pub"}) is None
    envelope["return"]["area_name"] = "forged"
    assert signing.verify(envelope, secret_key="", public_keys={BHAM: tmp_path / "k.pub"}) is not None


def test_cin_factor_extract_includes_24a(session: Session) -> None:
    a = kid("Ivy", dob=date(2009, 3, 4), agency_id="LA-001")
    load(session, [ev(K.ASSESSMENT_COMPLETED, a, "2024-06-01", agency=CSC, payload={"factors": ["24A", "10A"]}),
                   ev(K.ASSESSMENT_COMPLETED, a, "2023-06-01", agency=CSC, payload={"factors": ["13A"]})])
    ctx = service.make_context(session, area=BHAM, start=date(2024, 4, 1), end=date(2025, 3, 31))
    extract = extracts.cin_factors(session, ctx=ctx)
    assert extract.summary == {"10A": 1, "24A": 1}
    assert [row["AssessmentFactors"] for row in extract.rows] == ["24A", "10A"]
    assert extract.to_csv().splitlines()[0] == ",".join(extracts.CIN_COLUMNS)


def test_ssda903_missing_table(session: Session) -> None:
    b = kid("Joy", dob=date(2009, 3, 4), sex="F")
    load(session, [
        ev(K.MISSING_REPORTED, b, "2025-03-30 21:00", agency=CSC, payload={"episode_ref": "M1", "from_care": True,
                                                                         "missing_type": "A"}),
        ev(K.MISSING_FOUND, b, "2025-04-02 08:00", payload={"episode_ref": "M1"}),
        ev(K.MISSING_REPORTED, b, "2024-04-20", payload={"episode_ref": "H1"}),  # from home: not in the 903
    ])
    ctx = service.make_context(session, area=BHAM, start=date(2024, 4, 1), end=date(2025, 3, 31))
    rows = extracts.ssda903_missing(session, ctx=ctx).rows
    assert rows == [{"CHILD": rows[0]["CHILD"], "DOB": "04/03/2009", "MISSING": "A", "MIS_START": "30/03/2025",
                     "MIS_END": "02/04/2025"}]
