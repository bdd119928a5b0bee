"""Early identification on a simulated world, beside the baselines measured in the same run (issue 8 targets).

Builds a store from a simulated world (bulk import, then Splink linkage), then evaluates the early-identification
score against ground truth: share of exploited children flagged before their first PWITS arrest and the median
lead time, at a list of at most 1% of the 10–17 population, beside 'current practice' and 'any missing'; and
recall for girls and under-13s against overall recall.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from pathlib import Path
from typing import Any

SCALES = {"smoke": 3000, "medium": 30000, "full": 100000}


def build_store(children: int, folder: Path, seed: int = 11) -> tuple[str, Path]:
    """Simulate a world and load it: bulk import (store only), then batch Splink linkage."""
    from reachable import pipeline
    from reachable.access import service as access
    from reachable.areas import service as areas
    from reachable.db import migrate
    from reachable.db.engine import make_engine
    from reachable.db.uow import session_factory, unit_of_work
    from reachable.identity import service as identity
    from reachable.records.ingest.detect import expand
    from reachable.simulate import simulate

    logging.getLogger("splink").setLevel(logging.ERROR)
    world = folder / "world"
    simulate(world, children=children, years=3, seed=seed)
    url = f"sqlite:///{folder / 'risk.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    factory = session_factory(engine)
    actor = access.Actor(name="bench:risk")
    with unit_of_work(factory) as session:
        areas.load_reference_areas(session)
    sources, problems = expand([world], format="auto", agency=None)
    with unit_of_work(factory) as session:
        pipeline.ingest_files(session, sources=sources, actor=actor, accept_valid=True, rejects=folder / "rejects.csv",
                              progress=False, errors=problems, stages=[])
    with unit_of_work(factory) as session:
        identity.train_model(session, engine="duckdb", trained_by=actor.name)
        identity.run_linkage(session, actor=actor, engine="duckdb")
    engine.dispose()
    return url, world / "truth"


def run(scale: str) -> list[dict[str, Any]]:
    """Evaluate the score and both baselines on one simulated world; one figure per target."""
    from reachable.db.engine import make_engine
    from reachable.db.uow import session_factory
    from reachable.risk import evaluate

    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        url, truth = build_store(SCALES[scale], Path(tmp))
        engine = make_engine(url)
        with session_factory(engine)() as session:
            report = evaluate.evaluate(session, truth_dir=truth, list_share=0.01, as_of=None)
        engine.dispose()
    methods: dict[str, Any] = report["methods"]  # type: ignore[assignment]
    system, practice, missing = methods["system"], methods["current_practice"], methods["any_missing"]
    fair = system["fairness"]
    overall = system["recall"] or 0.0
    under_13 = [fair[k] for k in ("age_band=under 10", "age_band=10-13") if k in fair]
    under_13_rate = (sum(g["identification_rate"] * g["exploited"] for g in under_13) /
                     max(1, sum(g["exploited"] for g in under_13)))
    note = (f"list {system['list_size']} of {report['population_10_17']} aged 10-17; baselines: current practice "
            f"{practice['share_flagged_before_first_pwits_arrest']}, any missing "
            f"{missing['share_flagged_before_first_pwits_arrest']} (list {missing['list_size']})")
    return [
        {"name": "share flagged before first PWITS arrest", "value": system["share_flagged_before_first_pwits_arrest"],
         "unit": "share", "target": ">= 0.6", "baseline": practice["share_flagged_before_first_pwits_arrest"],
         "ratio": _ratio(system["share_flagged_before_first_pwits_arrest"],
                         practice["share_flagged_before_first_pwits_arrest"]), "note": note},
        {"name": "median lead time before first PWITS arrest", "value": system["median_lead_time_days"],
         "unit": "days", "target": ">= 90", "baseline": practice["median_lead_time_days"],
         "ratio": _ratio(system["median_lead_time_days"], practice["median_lead_time_days"]),
         "note": f"any missing: {missing['median_lead_time_days']} days"},
        {"name": "precision at the panel list size", "value": system["precision"], "unit": "share", "target": None,
         "baseline": missing["precision"], "ratio": _ratio(system["precision"], missing["precision"]),
         "note": "baseline = any missing episode"},
        {"name": "recall gap, girls vs overall", "value": abs((fair.get("sex=F", {}).get("identification_rate") or 0)
                                                             - overall) * 100,
         "unit": "points", "target": "<= 10", "baseline": None, "ratio": None, "note": ""},
        {"name": "recall gap, under-13s vs overall", "value": abs(under_13_rate - overall) * 100, "unit": "points",
         "target": "<= 10", "baseline": None, "ratio": None,
         "note": f"built and evaluated in {time.perf_counter() - started:.0f}s"},
    ]


def _ratio(value: float | None, baseline: float | None) -> float | None:
    """value / baseline where both exist."""
    return value / baseline if value is not None and baseline else None


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", default="smoke", choices=sorted(SCALES))
    for figure in run(parser.parse_args().scale):
        print(figure)
