"""Identity resolution: accuracy against known truth, end-to-end speed on DuckDB, incremental match latency.

Targets (issue 5): pairwise precision >= 0.995 and recall >= 0.98 at the auto-link threshold, B-cubed F1 >= 0.98,
recall gap between subgroups <= 1 point, each beside the deterministic baseline (exact first name + last name +
date of birth); 1,000,000 records trained, predicted and clustered in <= 300 s with peak memory <= 12 GB on two
cores; one new record matched against 1,000,000 stored ones with p95 <= 500 ms.

Records come from `reachable.identity.synthetic` (noisy English child records with truth), generated here;
nothing is downloaded.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from datetime import date
from pathlib import Path
from statistics import quantiles
from typing import Any

from reachable.identity import evaluate, features, synthetic
from reachable.identity.predict import link_table

# scale: (children for accuracy, records for speed, stored records for incremental, incremental probes)
SCALES = {"smoke": (4_000, 50_000, 20_000, 50), "full": (60_000, 1_000_000, 1_000_000, 200)}


def _figure(name: str, value: float, unit: str, target: str, baseline: float | None, note: str) -> dict[str, Any]:
    """One benchmark figure in the shared format."""
    ratio = round(value / baseline, 3) if baseline else None
    return {"name": name, "value": round(value, 4), "unit": unit, "target": target,
            "baseline": None if baseline is None else round(baseline, 4), "ratio": ratio, "note": note}


def _attributes(world: synthetic.World) -> dict[str, dict[str, str]]:
    """Subgroups of each true child."""
    on = date(2025, 3, 31)
    return {child: {"sex": info["sex"], "ethnicity": info["ethnicity"], "age_band": evaluate.age_band(info["dob"], on)}
            for child, info in world.children.items()}


def accuracy(children: int) -> list[dict[str, Any]]:
    """Train, predict and cluster a noisy world; compare with truth and with the exact-match baseline."""
    world = synthetic.world(children=children, seed=2025)
    table = features.to_arrow(features.features(row) for row in world.records)
    clusters, trained, _ = link_table(table)
    model = evaluate.report(clusters, world.truth, _attributes(world))
    base = evaluate.report(evaluate.exact_baseline(world.records), world.truth, _attributes(world))
    note = f"{len(world.records)} records of {children} children; model {trained.version}"
    m, b = model["overall"], base["overall"]
    gap = max(group["recall_gap"] for group in model["groups"].values())
    base_gap = max(group["recall_gap"] for group in base["groups"].values())
    return [
        _figure("pairwise precision", m["pair_precision"], "", ">= 0.995", b["pair_precision"], note),
        _figure("pairwise recall", m["pair_recall"], "", ">= 0.98", b["pair_recall"], note),
        _figure("B-cubed F1", m["bcubed_f1"], "", ">= 0.98", b["bcubed_f1"], note),
        _figure("largest subgroup recall gap", gap * 100, "points", "<= 1", base_gap * 100,
                "sex, age band, ethnicity: " + ", ".join(f"{k} {v['recall_gap'] * 100:.2f}"
                                                         for k, v in model["groups"].items())),
    ]


def speed(records: int) -> list[dict[str, Any]]:
    """End-to-end train + predict + cluster on DuckDB for about `records` records."""
    world = synthetic.world(children=int(records / 2.9), seed=99)
    started = time.perf_counter()
    table = features.to_arrow(features.features(row) for row in world.records)
    prepared = time.perf_counter() - started
    _, _, timings = link_table(table)
    total = time.perf_counter() - started
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    detail = ", ".join(f"{k} {v:.1f} s" for k, v in timings.items())
    return [
        _figure(f"end-to-end linkage of {len(world.records)} records", total, "s", "<= 300", None,
                f"features {prepared:.1f} s, {detail}; DuckDB in-process"),
        _figure("peak memory (whole process)", peak_gb, "GB", "<= 12", None, "ru_maxrss, includes the generator"),
    ]


def incremental(stored: int, probes: int) -> list[dict[str, Any]]:
    """p95 latency of resolving one new record against `stored` records in a SQLite store."""
    from bench.identity_store import build_store, probe_latencies

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'identity.db'}"
        world = synthetic.world(children=int(stored / 2.9), seed=7)
        build_store(url, world)
        model_ms = probe_latencies(url, world, probes=probes, with_model=True)
        exact_ms = probe_latencies(url, world, probes=probes, with_model=False)
    p95 = quantiles(model_ms, n=20)[-1]
    base = quantiles(exact_ms, n=20)[-1]
    return [_figure(f"incremental match p95 against {len(world.records)} stored records", p95, "ms", "<= 500",
                    base, f"{probes} new records through resolve_record; baseline is the exact-rule matcher "
                          f"(median model {sorted(model_ms)[len(model_ms) // 2]:.0f} ms)")]


def run(scale: str) -> list[dict[str, Any]]:
    """Every identity figure at a scale."""
    children, records, stored, probes = SCALES[scale]
    return [*accuracy(children), *speed(records), *incremental(stored, probes)]


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", choices=sorted(SCALES), default="smoke")
    parser.add_argument("--only", choices=("accuracy", "speed", "incremental"))
    args = parser.parse_args()
    children, records, stored, probes = SCALES[args.scale]
    parts = {"accuracy": lambda: accuracy(children), "speed": lambda: speed(records),
             "incremental": lambda: incremental(stored, probes)}
    figures = parts[args.only]() if args.only else run(args.scale)
    for figure in figures:
        print(f"{figure['name']}: {figure['value']} {figure['unit']} (target {figure['target']}, "
              f"baseline {figure['baseline']}, ratio {figure['ratio']}) — {figure['note']}")


if __name__ == "__main__":
    main()
