"""Matching one arriving record against existing children at once, inside the ingest transaction."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from reachable.common.dates import utcnow
from reachable.identity import links, store
from reachable.identity.blocking import probe_keys
from reachable.identity.engines import duckdb_api
from reachable.identity.features import usability
from reachable.identity.models import Child, LinkageModel, ReviewItem
from reachable.identity.predict import waterfall
from reachable.identity.pyscore import scorer_for
from reachable.identity.sole import REASON as SOLE_REASON
from reachable.identity.sole import is_nameless
from reachable.identity.training import TF_COLUMNS
from reachable.records import service as records


@dataclass(frozen=True)
class Outcome:
    """Where the record went and why."""

    child_id: int
    decision: str
    reason: str
    probability: float | None = None
    weight: float | None = None
    evidence: Mapping[str, Any] | None = None


def _with_tf(row: dict[str, Any], model: LinkageModel) -> dict[str, Any]:
    """A feature row with the stored term frequencies (unseen values get no adjustment, so the median)."""
    out = dict(row)
    for column in TF_COLUMNS:
        table = model.term_frequencies.get(column, {})
        value = row.get(column)
        out[f"tf_{column}"] = table.get(value) if value is not None else None
        if value is not None and out[f"tf_{column}"] is None and table:
            out[f"tf_{column}"] = min(table.values())  # a value never seen before is rare, not common
    return out


def score(model: LinkageModel, new: dict[str, Any], others: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Score one record against candidates with the stored model: in Python when the model has our structure
    (identical weights, see pyscore), otherwise through Splink on an in-memory DuckDB."""
    scorer = scorer_for(model.version, model.model)
    if scorer is not None:
        left = _with_tf(new, model)
        return [scorer.score(left, _with_tf(other, model)) for other in others]
    return splink_score(model, new, others)


def splink_score(model: LinkageModel, new: dict[str, Any], others: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Score through Splink's own SQL (SQL compiled once per model version)."""
    from splink.internals.realtime import compare_records

    api = duckdb_api()  # a fresh in-memory DuckDB per call: thread-safe and leaves nothing behind
    try:
        left = [_with_tf(new, model)]
        right = [_with_tf(other, model) for other in others]
        scored = compare_records(left, right, model.model, api, sql_cache_key=f"incremental:{model.version}")
        return list(scored.as_record_list())
    finally:
        api.duckdb_con.close()


def match(session: Session, *, record: links.SourceRecord, model: LinkageModel) -> Outcome:
    """Link the record to the best existing child, queue it for review, or start a new child; with reasons."""
    row = store.feature_rows(session, source_records=[record])[0]
    store.file_keys(session, record_id=record.id, row=row)
    usable = usability(row)
    if not usable.usable:
        child = links.create_child(session, record=record)
        return Outcome(child.id, "held_unlinked", f"held unlinked: {usable.reason}")
    decided = _decided(session, record_id=record.id)
    for other_id, decision in decided.items():
        link = links.current_link(session, source_record_id=other_id)
        if decision.decision == "match" and link is not None:
            return Outcome(link.child_id, "clerical_link", f"a reviewer decided it matches record {other_id} "
                           f"(decision {decision.id}: {decision.reason})")
    ids = store.candidates(session, keys=probe_keys(row), exclude=record.id)
    linked = {rid: link.child_id for rid in ids if (link := links.current_link(session, source_record_id=rid))
              and link.decision != "held_unlinked"}
    best: dict[int, dict[str, Any]] = {}
    if linked:
        sources = [source for rid in linked if (source := records.get_source_record(session, record_id=rid))]
        for scored in score(model, row, store.feature_rows(session, source_records=sources)):
            other = int(scored["unique_id_r"])
            child_id = linked[other]
            if other in decided or any(linked.get(rid) == child_id for rid in decided):
                continue  # a reviewer said this record is not that child
            if child_id not in best or scored["match_probability"] > best[child_id]["match_probability"]:
                best[child_id] = scored
    ranked = sorted(best.items(), key=lambda item: -item[1]["match_probability"])
    if ranked and ranked[0][1]["match_probability"] >= model.auto_link_threshold:
        child_id, top = ranked[0]
        return Outcome(child_id, "auto_link", _reason(top, model), top["match_probability"], top["match_weight"],
                       waterfall(top, model.model))
    queued = [item for item in ranked if item[1]["match_probability"] >= model.review_threshold]
    possible = [item for item in queued if not _holds_agency(session, child_id=item[0], agency_id=record.agency_id)]
    if is_nameless(row) and len(possible) == 1:  # see identity/sole.py
        child_id, top = possible[0]
        _queue(session, new_id=record.id, scored=top, model=model)  # linked, and a person asked to confirm
        return Outcome(child_id, "auto_link", f"{_reason(top, model)}; {SOLE_REASON}", top["match_probability"],
                       top["match_weight"], waterfall(top, model.model))
    child = links.create_child(session, record=record)
    for _, top in queued[:3]:
        _queue(session, new_id=record.id, scored=top, model=model)
    reason = (f"new child; {len(queued)} possible match(es) sent to clerical review" if queued
              else "new child: no existing child scored above the review threshold")
    return Outcome(child.id, "new_child", reason)


def _holds_agency(session: Session, *, child_id: int, agency_id: int) -> bool:
    """Whether the child already has a record from this agency (so a record without names is someone else's)."""
    for rid in links.record_ids_for_child(session, child_id=child_id):
        other = records.get_source_record(session, record_id=rid)
        if other is not None and other.agency_id == agency_id:
            return True
    return False


def _decided(session: Session, *, record_id: int) -> dict[int, Any]:
    """People's decisions about this record, keyed by the other record."""
    out: dict[int, Any] = {}
    for decision in store.pair_decisions(session, record_ids=[record_id]):
        other = decision.record_b_id if decision.record_a_id == record_id else decision.record_a_id
        out[other] = decision
    return out


def _reason(scored: Mapping[str, Any], model: LinkageModel) -> str:
    """Why the record was linked, in words."""
    return (f"model {model.version}: match probability {scored['match_probability']:.4f} "
            f"(weight {scored['match_weight']:.1f}) with record {scored['unique_id_r']}")


def _queue(session: Session, *, new_id: int, scored: Mapping[str, Any], model: LinkageModel) -> ReviewItem:
    """Put a pair in the clerical review queue with its waterfall."""
    a, b = store.ordered(new_id, int(scored["unique_id_r"]))
    item = ReviewItem(record_a_id=a, record_b_id=b, match_probability=float(scored["match_probability"]),
                      match_weight=float(scored["match_weight"]), model_version=model.version,
                      evidence=waterfall(scored, model.model), status="open", created_at=utcnow())
    session.add(item)
    session.flush()
    return item


def summary_child(session: Session, child_id: int, record: links.SourceRecord) -> None:
    """Refresh a child's summary from a newly linked record."""
    child = session.get(Child, child_id)
    if child is not None:
        links.refresh_summary(child, record)
