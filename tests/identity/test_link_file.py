"""`reachable link-file` on arbitrary canonical CSVs, and its refusals (no database)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reachable.cli.main import build_app
from reachable.common.errors import InputRejected
from reachable.identity import evaluate, synthetic
from reachable.identity.linkfile import link_file, read_canonical_csv


def _write(path: Path, rows: list[dict[str, object]], columns: list[str]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_link_file_clusters_a_foreign_csv_with_missing_columns(tmp_path: Path) -> None:
    world = synthetic.world(children=150, records_per_child=2.5, seed=21)
    # Someone else's extract: different column names, no identifiers, no postcode, dd/mm/yyyy dates.
    rows = [{**row, "Forename": row["first_name"], "Surname": row["last_name"], "ID": row["record_id"],
             "Date_of_Birth": "/".join(reversed(row["dob"].split("-"))) if row["dob"] else ""} for row in world.records]
    source = _write(tmp_path / "in.csv", rows, ["ID", "Forename", "Surname", "Date_of_Birth", "sex"])
    result = link_file(source, tmp_path / "out.csv")
    with (tmp_path / "out.csv").open() as handle:
        clusters = {row["record_id"]: row["cluster_id"] for row in csv.DictReader(handle)}
    assert set(clusters) == set(world.truth) and result.records == len(world.records)
    scores = evaluate.scores(clusters, world.truth)
    baseline = evaluate.scores(evaluate.exact_baseline(world.records), world.truth)
    assert scores.pair_precision >= 0.95
    assert scores.pair_recall > baseline.pair_recall


def test_link_file_holds_records_with_nothing_to_compare(tmp_path: Path) -> None:
    rows = [{"record_id": "a", "first_name": "Jay"}, {"record_id": "b", "first_name": "Jay"},
            {"record_id": "c", "first_name": "Jayden", "last_name": "Smith", "dob": "2009-04-03", "postcode": "B1 1AA"},
            {"record_id": "d", "first_name": "JAYDEN", "last_name": "smith", "dob": "2009-04-03", "postcode": "b11aa"}]
    columns = ["record_id", "first_name", "last_name", "dob", "postcode"]
    result = link_file(_write(tmp_path / "in.csv", rows, columns),
                       tmp_path / "out.csv")
    with (tmp_path / "out.csv").open() as handle:
        clusters = {row["record_id"]: row["cluster_id"] for row in csv.DictReader(handle)}
    assert set(result.held_unlinked) == {"a", "b"} and clusters["a"] != clusters["b"]
    assert clusters["c"] == clusters["d"]


def test_malformed_csv_gets_every_error_located_and_writes_nothing(tmp_path: Path) -> None:
    source = tmp_path / "bad.csv"
    source.write_text("record_id,first_name,dob,sex\n1,Jay,2009-02-31,M\n1,Kai,2009-01-01,M\n2,Ann\n,Bo,,Q\n")
    with pytest.raises(InputRejected) as caught:
        link_file(source, tmp_path / "out.csv")
    found = {(e.line, e.field) for e in caught.value.errors}
    assert found == {(2, "dob"), (3, "record_id"), (4, "row"), (5, "record_id"), (5, "sex")}
    assert all(e.file == str(source) for e in caught.value.errors)
    assert not (tmp_path / "out.csv").exists()
    (tmp_path / "nohead.csv").write_text("first_name,last_name\nJay,Smith\n")
    with pytest.raises(InputRejected, match="record_id: required column missing"):
        read_canonical_csv(tmp_path / "nohead.csv")


def test_link_file_command(tmp_path: Path) -> None:
    rows = [{"record_id": str(i), "source": "x", "first_name": name, "last_name": "Okafor", "dob": "2010-05-06"}
            for i, name in enumerate(("Precious", "Precious", "Blessing"))]
    source = _write(tmp_path / "in.csv", rows, ["record_id", "source", "first_name", "last_name", "dob"])
    runner = CliRunner()
    result = runner.invoke(build_app(), ["link-file", str(source), "--output", str(tmp_path / "out.csv")])
    assert result.exit_code == 0, result.output
    assert "3 records -> 2 clusters" in result.output
    assert (tmp_path / "out.csv").read_text().splitlines()[0] == '"record_id","cluster_id"'


def test_record_ids_of_superscript_digits_are_text_not_numbers(tmp_path: Path) -> None:
    # Ids are text: '²' passes str.isdigit() but int() refuses it, so nothing may treat such an id as a number.
    world = synthetic.world(children=150, records_per_child=2.5, seed=21)
    superscript = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
    rows = [{**row, "record_id": str(n).translate(superscript)} for n, row in enumerate(world.records)]
    source = _write(tmp_path / "in.csv", rows, ["record_id", "first_name", "last_name", "dob", "sex"])
    link_file(source, tmp_path / "out.csv")
    with (tmp_path / "out.csv").open() as handle:
        assert {row["record_id"] for row in csv.DictReader(handle)} == {row["record_id"] for row in rows}
