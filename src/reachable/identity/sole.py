"""Records that carry no names (CIN census, SSDA903): linking one to the only child it could be.

A statutory return gives a date of birth, sex and the council, and often no UPN (children under five). Against a
named record of the same council, date of birth and sex the model can only say "possible" (about 0.6): nothing in
the pair itself rules out another child born the same day. What can is the rest of the store: when every
candidate above the review threshold that holds no record from the same agency (a child who does is someone
else: agencies rarely register a child twice) belongs to one child, the record is linked to that child. The link
says so in its reason and the pair also goes to clerical review, so a person confirms it; a "no match" decision
is obeyed by every later run. On the simulated worlds about 95% of such links are right (docs/linkage.md).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from reachable.identity.predict import Pair

REASON = ("the only child above the review threshold for a record without names (same council, date of birth "
          "and sex) that holds no other record from this agency; queued for a reviewer to confirm")


def is_nameless(row: Mapping[str, Any]) -> bool:
    """A record with neither forename nor surname."""
    return not row.get("first_name") and not row.get("last_name")


def sole_candidates(clusters: Mapping[str, str], pairs: Iterable[Pair], *, nameless: set[str],
                    sources: Mapping[str, str | None], review_threshold: float,
                    cannot: Iterable[tuple[str, str]] = ()) -> list[Pair]:
    """For each nameless record left on its own, its strongest pair into the one cluster it could belong to."""
    members: dict[str, list[str]] = defaultdict(list)
    for record, name in clusters.items():
        members[name].append(record)
    apart: dict[str, set[str]] = defaultdict(set)
    for left, right in cannot:
        apart[left].add(right)
        apart[right].add(left)
    best: dict[str, dict[str, Pair]] = defaultdict(dict)
    for pair in pairs:
        if pair.probability < review_threshold:
            continue
        for record, other in ((pair.left, pair.right), (pair.right, pair.left)):
            if record not in nameless or record not in clusters or other not in clusters:
                continue
            if len(members[clusters[record]]) != 1:
                continue
            target = clusters[other]
            held = best[record].get(target)
            if held is None or pair.probability > held.probability:
                best[record][target] = pair
    found: list[Pair] = []
    for record, targets in sorted(best.items()):
        source = sources.get(record)
        # A child who already holds a record from this agency is someone else (agencies rarely register a child
        # twice), and a child a person said this record is not, is not a candidate either.
        possible = [pair for target, pair in targets.items()
                    if not (source is not None and any(sources.get(m) == source for m in members[target]))
                    and not apart[record] & set(members[target])]
        if len(possible) == 1:  # with two or more children possible, only a person can tell
            found.append(possible[0])
    return found
