"""The simulation loop: one child at a time, in chunks, streaming extracts, ground truth and metrics."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from reachable.simulate.calibration import Metrics
from reachable.simulate.care import add_cce_period, care_periods
from reachable.simulate.csc import clip_open, episodes
from reachable.simulate.details import detail
from reachable.simulate.exploitation import trajectory
from reachable.simulate.identity import ChildIdentity
from reachable.simulate.network import Network, build_network
from reachable.simulate.parameters import DEFAULT, Parameters
from reachable.simulate.people import make_child
from reachable.simulate.rand import DAYS_PER_MONTH, add_years, child_rng, ordinal
from reachable.simulate.signals import Occ, background, exploitation
from reachable.simulate.sink import Sink
from reachable.simulate.truth import write_child_truth, write_network_truth
from reachable.simulate.writers import cin_xml, intel, local, nrm, police, ssda903
from reachable.simulate.writers.base import Ctx

DEFAULT_END = date(2024, 3, 31)


@dataclass(slots=True)
class World:
    """Run-wide state: window, network, id counters, output sink and metrics."""

    seed: int
    children: int
    start: float
    end: float
    params: Parameters
    network: Network
    sink: Sink
    metrics: Metrics
    counters: dict[str, int] = field(default_factory=dict)


def simulate(
    out: Path, *, children: int, years: int, seed: int, end_date: date = DEFAULT_END, params: Parameters = DEFAULT
) -> dict[str, Any]:
    """Simulate a world into `out` (extracts/, truth/, manifest.json); return the manifest."""
    end = float(ordinal(end_date))
    start = float(ordinal(add_years(end_date, -years))) + 1
    out.mkdir(parents=True, exist_ok=True)
    network = build_network(seed, children, start, end, params)
    world = World(seed, children, start, end, params, network, Sink(out), Metrics(start, end))
    write_network_truth(world.sink, network, start, end)
    for index in range(children):
        _child(world, index)
        if (index + 1) % params.chunk_children == 0:
            world.sink.flush()
    files = world.sink.close()
    manifest: dict[str, Any] = {
        "generator": "reachable.simulate",
        "version": 1,
        "seed": seed,
        "children": children,
        "years": years,
        "window": {"start": date.fromordinal(int(start)).isoformat(), "end": end_date.isoformat()},
        "files": [f for f in files if f["format"] != "truth"],
        "truth": [{"path": f["path"], "rows": f["records"]} for f in files if f["format"] == "truth"],
        "events_total": sum(sum(f["events"].values()) for f in files),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    (out / "truth" / "metrics.json").write_text(
        json.dumps(world.metrics.summary(), indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    return manifest


def simulate_demo(out: Path, *, children: int = 3000, seed: int = 7) -> dict[str, Any]:
    """A small world for `reachable demo`: a few thousand children over two years, in seconds."""
    return simulate(out, children=children, years=2, seed=seed)


def _no_overlap(missing: list[Occ]) -> list[Occ]:
    """A child cannot be missing twice at once: drop episodes starting before the previous one ended."""
    kept: list[Occ] = []
    last_end = -math.inf
    for m in sorted(missing, key=lambda o: o.t):
        if m.t > last_end + 0.01:
            kept.append(m)
            last_end = float(m.attrs["end"])  # type: ignore[arg-type]
    return kept


def _child(world: World, index: int) -> None:
    """Simulate one child end to end and write everything about them."""
    p, start, end = world.params, world.start, world.end
    rng = child_rng(world.seed, index)
    child = make_child(rng, index, start, end, p)
    care = care_periods(rng, child, start, end, p)
    occs = background(rng, child, start, end, care, p)
    excl = min((o.t for o in occs if o.kind in ("suspension", "permanent_exclusion")), default=math.inf)
    traj = trajectory(
        rng, child, start, end, care, lambda t: t > excl or (t < start and child.latent > 1.2), world.network, p
    )
    follow: list[Occ] = []
    if traj is not None:
        for name, s, e in traj.stages:
            if name == "trapped" and e > start:
                months = (min(e, end) - max(s, start)) / DAYS_PER_MONTH
                if rng.random() < 1 - math.exp(-p.care.cce_entry_per_month_trapped * months):
                    add_cce_period(rng, child, care, rng.uniform(max(s, start), min(e, end)), p)
                girl = p.response.nrm_girl_mult if child.sex == "F" else 1.0
                if rng.random() < 1 - math.exp(-p.response.nrm_per_month_trapped * girl * months):
                    t = rng.uniform(max(s, start), min(e, end))
                    follow.append(Occ("nrm", t, True, child.address_at(t).area, {}))
        care.sort(key=lambda c: c.start)
        occs.extend(exploitation(rng, child, traj, start, end, care, p))
    if rng.random() < p.response.nrm_background_per_year * (40 if child.uasc else 1) * (end - start) / 365.25:
        t = rng.uniform(start, end)
        if 10 <= child.age_at(t) < 18:
            follow.append(Occ("nrm", t, False, child.address_at(t).area, {}))
    for o in occs:
        follow.extend(detail(rng, o, child, traj, care, p))
    missing = _no_overlap([o for o in occs if o.kind == "missing"])
    occs = [o for o in occs if o.kind != "missing"] + missing
    kept_missing = {id(m) for m in missing}
    follow = [f for f in follow if f.kind != "rhi" or id(f.attrs["episode"]) in kept_missing]
    follow = [f for f in follow if f.t <= end]
    ident = ChildIdentity(child, world.counters, p, rng)
    ctx = Ctx(world.sink, world.counters, child, ident, rng, start, end)
    referrals = [o for o in occs if o.kind == "referral"] + [f for f in follow if f.kind == "referral"]
    eps = episodes(rng, child, referrals, care, [m.t for m in missing if m.recorded], traj, end, p)
    for ep in eps:
        clip_open(ep, end)
    _write(world, ctx, occs, follow, care, missing, eps, traj)
    write_child_truth(ctx, traj, care, missing)
    world.metrics.add(child, traj, occs, follow, care, eps, missing)


def _write(
    world: World,
    ctx: Ctx,
    occs: list[Occ],
    follow: list[Occ],
    care: list[Any],
    missing: list[Occ],
    eps: list[Any],
    traj: Any,
) -> None:
    """Render the child's recorded occurrences into each agency's extract."""
    p = world.params
    for o in sorted(occs, key=lambda o: o.t):
        if not o.recorded or o.t > ctx.end or ctx.child.age_at(o.t) >= 18:
            continue
        k = o.kind
        if k == "missing":
            o.attrs["police_ref"] = police.write_missing(ctx, o)
        elif k == "stop_search":
            police.write_stop_search(ctx, o)
        elif k == "arrest":
            police.write_arrest(ctx, o)
        elif k == "police_incident":
            police.write_incident(ctx, o)
        elif k == "intelligence":
            intel.write_intel(ctx, o, world.network)
        elif k == "vcs_concern":
            intel.write_vcs_concern(ctx, o)
        elif k in ("suspension", "permanent_exclusion", "part_time", "school_concern"):
            local.write_school(ctx, o)
        elif k == "health":
            local.write_health(ctx, o)
    nrm_done = 0
    for f in sorted(follow, key=lambda o: o.t):
        if ctx.child.age_at(f.t) >= 18:
            continue
        if f.kind == "custody":
            police.write_custody(ctx, f)
        elif f.kind == "rhi":
            ep = f.attrs["episode"]
            assert isinstance(ep, Occ)
            ref = ep.attrs.get("police_ref")
            intel.write_rhi(ctx, f, ref if isinstance(ref, str) else None)
        elif f.kind == "yjs":
            local.write_yjs(ctx, f, str(f.attrs["offence"]))
        elif f.kind == "nrm" and nrm_done == 0:
            if "responder" not in f.attrs:
                f.attrs["responder"] = nrm.responder_for(ctx, f.area)
            travel = traj is not None and traj.travel
            sexual = traj is not None and traj.sexual
            f.attrs["decisions"] = nrm.write_nrm(ctx, f, travel, sexual, p)
            nrm_done += 1
    cin_xml.write_cin(ctx, eps)
    ssda903.write_903(ctx, care, [m for m in missing if m.recorded])
    local.write_pupils(ctx)
