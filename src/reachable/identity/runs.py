"""Full linkage runs over every stored record: train, predict, cluster, reconcile clusters with children."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from reachable.access import service as access
from reachable.common.dates import utcnow
from reachable.common.errors import ReachableError
from reachable.identity import links, store
from reachable.identity.features import to_arrow, usability
from reachable.identity.merge_split import merge_children
from reachable.identity.models import Child, LinkageModel, ReviewItem
from reachable.identity.predict import Pair, cluster, predict
from reachable.identity.sole import REASON as SOLE_REASON
from reachable.identity.sole import is_nameless, sole_candidates
from reachable.identity.training import train
from reachable.records import service as records

SourceRecord = links.SourceRecord


@dataclass
class RunSummary:
    """What a full run did."""

    model_version: str
    records: int = 0
    held_unlinked: int = 0
    clusters: int = 0
    relinked: int = 0
    merged_children: int = 0
    new_children: int = 0
    review_items: int = 0
    decisions_respected: int = 0
    sole_candidate_links: int = 0
    timings: dict[str, float] = field(default_factory=dict)


def _all_rows(session: Session) -> list[dict[str, Any]]:
    """Feature rows of every stored source record."""
    records = list(session.scalars(select(SourceRecord).order_by(SourceRecord.id)))
    return store.feature_rows(session, source_records=records)


def train_model(session: Session, *, engine: str = "duckdb", trained_by: str, seed: int = 42,
                auto_link_threshold: float = store.DEFAULT_AUTO_LINK,
                review_threshold: float = store.DEFAULT_REVIEW) -> LinkageModel:
    """Train on the stored records without labels and store the result as the active model version."""
    rows = [row for row in _all_rows(session) if usability(row).usable]
    if len(rows) < 50:
        raise ReachableError(f"too few usable records to train a model ({len(rows)}; need at least 50)")
    trained = train(to_arrow(rows), engine=engine, seed=seed)
    return store.save_model(session, trained=trained, trained_by=trained_by,
                            auto_link_threshold=auto_link_threshold, review_threshold=review_threshold)


def run_linkage(session: Session, *, actor: access.Actor, engine: str = "duckdb") -> RunSummary:
    """Re-link every record with the active model, obeying every stored decision of a person."""
    model = store.active_model(session)
    if model is None:
        raise ReachableError("no trained model: run `reachable link train` first")
    summary = RunSummary(model_version=model.version)
    rows = _all_rows(session)
    summary.records = len(rows)
    usable = [row for row in rows if usability(row).usable]
    by_id = {row["unique_id"]: row for row in usable}
    store.refile_all(session, rows=rows)
    for row in rows:
        if not usability(row).usable:
            summary.held_unlinked += _hold(session, record_id=int(row["unique_id"]), row=row)
    prediction = predict(to_arrow(usable), model.model, review_threshold=model.review_threshold,
                         auto_threshold=model.auto_link_threshold, engine=engine)
    summary.timings["predict"] = round(prediction.seconds, 2)
    decisions = store.pair_decisions(session)
    must = [(str(d.record_a_id), str(d.record_b_id)) for d in decisions if d.decision == "match"]
    cannot = [(str(d.record_a_id), str(d.record_b_id)) for d in decisions if d.decision == "no_match"]
    summary.decisions_respected = len(decisions)
    ids = [row["unique_id"] for row in usable]
    clusters = cluster(ids, prediction.pairs, threshold=model.auto_link_threshold, must=must, cannot=cannot)
    sole = sole_candidates(clusters, prediction.pairs, nameless={r["unique_id"] for r in usable if is_nameless(r)},
                           sources={r["unique_id"]: r["source"] for r in usable},
                           review_threshold=model.review_threshold, cannot=cannot)
    if sole:
        clusters = cluster(ids, prediction.pairs, threshold=model.auto_link_threshold,
                           must=[*must, *((p.left, p.right) for p in sole)], cannot=cannot)
    summary.sole_candidate_links = len(sole)
    sole_ids = {int(p.left) for p in sole} | {int(p.right) for p in sole}
    strongest = _strongest(prediction.pairs, clusters)
    for pair in sole:  # the evidence shown for a sole-candidate link is its own pair
        strongest[pair.left if is_nameless(by_id[pair.left]) else pair.right] = pair
    members: dict[str, list[int]] = {}
    for record, name in clusters.items():
        members.setdefault(name, []).append(int(record))
    summary.clusters = len(members)
    decided = {frozenset((int(a), int(b))) for a, b in must}
    used: set[int] = set()
    current = store.current_links(session)
    for ids in sorted(members.values(), key=lambda group: (-len(group), min(group))):
        _reconcile(session, ids=sorted(ids), model=model, strongest=strongest, decided=decided, summary=summary,
                   actor=actor, used=used, current=current, sole=sole_ids)
    summary.review_items = _queue(session, prediction_pairs=prediction.pairs, evidence=prediction.evidence,
                                  clusters=clusters, decisions=decisions, model=model,
                                  confirm={(p.left, p.right) for p in sole})
    access.record(session, actor=actor, action="change", object_type="linkage_run", object_id=model.version,
                  fields={k: v for k, v in summary.__dict__.items() if k != "timings"},
                  justification="full linkage run")
    return summary


def _hold(session: Session, *, record_id: int, row: dict[str, Any]) -> int:
    """Keep a record with too little to compare on a child of its own, with the reason."""
    link = links.current_link(session, source_record_id=record_id)
    if link is not None and (link.decision == "held_unlinked" or link.decision == "manual"):
        return 1
    record = records.get_source_record(session, record_id=record_id)
    assert record is not None
    others = [rid for rid in links.record_ids_for_child(session, child_id=link.child_id) if rid != record_id] \
        if link else []
    child_id = link.child_id if link and not others else links.create_child(session, record=record).id
    links.link_record(session, record_id=record_id, child_id=child_id, decision="held_unlinked",
                      reason=f"held unlinked: {usability(row).reason}", decided_by="linkage-run")
    return 1


def _strongest(pairs: list[Pair], clusters: dict[str, str]) -> dict[str, Pair]:
    """For each record, its strongest scored pair inside its own cluster (the evidence shown for the link)."""
    best: dict[str, Pair] = {}
    for pair in pairs:
        if clusters.get(pair.left) is None or clusters.get(pair.left) != clusters.get(pair.right):
            continue
        for record in (pair.left, pair.right):
            if record not in best or pair.probability > best[record].probability:
                best[record] = pair
    return best


def _reconcile(session: Session, *, ids: list[int], model: LinkageModel, strongest: dict[str, Pair],
               decided: set[frozenset[int]], summary: RunSummary, actor: access.Actor, used: set[int],
               current: dict[int, Any], sole: set[int]) -> None:
    """Make one cluster one child: keep the child most of its records already have; merge whole children in.

    Larger clusters choose first and a child is kept by one cluster only, so a child the model now sees as two
    children keeps its identity on the larger part."""
    counts = Counter(link.child_id for rid in ids if (link := current.get(rid)) is not None
                     and link.child_id not in used and link.decision != "held_unlinked")
    if len(counts) == 1 and all(rid in current for rid in ids) and not (set(counts) & used) and \
            all(current[rid].decision != "held_unlinked" for rid in ids):
        target = next(iter(counts))
        if len(links.record_ids_for_child(session, child_id=target)) == len(ids):
            used.add(target)  # the cluster is exactly an existing child: nothing to do
            return
    if counts:
        target = min(counts, key=lambda cid: (-counts[cid], cid))
    else:
        first = records.get_source_record(session, record_id=ids[0])
        assert first is not None
        target = links.create_child(session, record=first).id
        summary.new_children += 1
    used.add(target)
    merged: set[int] = set()
    for other in sorted(set(counts) - {target}):
        everything = set(links.record_ids_for_child(session, child_id=other))
        if everything <= set(ids):  # the whole child belongs here: an audited merge carries its belongings
            merge_children(session, into_id=target, from_id=other, reason=f"linkage run with model {model.version}",
                           actor=actor, by_person=False)
            merged |= everything
            summary.merged_children += 1
    for rid in ids:
        link = current.get(rid)
        if link is not None and link.child_id == target and link.decision != "held_unlinked" and rid not in merged:
            continue
        pair = strongest.get(str(rid))
        probability: float | None = None
        weight: float | None = None
        if pair is None:
            reason, decision = "alone in its cluster", "new_child"
        else:
            partner = pair.right if pair.left == str(rid) else pair.left
            by_person = frozenset((int(pair.left), int(pair.right))) in decided
            decision = "clerical_link" if by_person else "auto_link"
            reason = (f"model {model.version}: match probability {pair.probability:.4f} with record {partner}"
                      + (" (confirmed by a reviewer)" if by_person else
                         f"; {SOLE_REASON}" if rid in sole and pair.probability < model.auto_link_threshold else ""))
            probability, weight = pair.probability, pair.weight
        links.link_record(session, record_id=rid, child_id=target, decision=decision, reason=reason,
                          decided_by=model.version, probability=probability, weight=weight,
                          model_version=model.version)
        summary.relinked += 1
    child = session.get(Child, target)
    if child is not None and summary.relinked:
        for rid in ids:
            record = records.get_source_record(session, record_id=rid)
            if record is not None:
                links.refresh_summary(child, record)


def _queue(session: Session, *, prediction_pairs: list[Pair], evidence: dict[tuple[str, str], dict[str, Any]],
           clusters: dict[str, str], decisions: list[Any], model: LinkageModel,
           confirm: Collection[tuple[str, str]] = ()) -> int:
    """Queue review-band pairs that ended up apart (or were linked only as a sole candidate, to be confirmed),
    unless a person already decided them or they are queued."""
    decided = {(d.record_a_id, d.record_b_id) for d in decisions}
    queued = {(a, b) for a, b in session.execute(select(ReviewItem.record_a_id, ReviewItem.record_b_id).where(
        ReviewItem.status == "open"))}
    added = 0
    for pair in prediction_pairs:
        if pair.probability >= model.auto_link_threshold or (
                clusters.get(pair.left) == clusters.get(pair.right) and (pair.left, pair.right) not in confirm):
            continue
        a, b = store.ordered(int(pair.left), int(pair.right))
        if (a, b) in decided or (a, b) in queued:
            continue
        session.add(ReviewItem(record_a_id=a, record_b_id=b, match_probability=pair.probability,
                               match_weight=pair.weight, model_version=model.version,
                               evidence=evidence.get((pair.left, pair.right), {}), status="open",
                               created_at=utcnow()))
        queued.add((a, b))
        added += 1
    session.flush()
    return added
