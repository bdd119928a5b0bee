"""Every calibration figure is within its stated tolerance; simple baselines cannot separate exploited children."""

from __future__ import annotations

from typing import Any

import pytest

from reachable.simulate.calibration import TARGETS
from reachable.simulate.report import SIMPLE_BASELINES, render


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.key)
def test_figure_within_tolerance(calibration_world: dict[str, Any], target: Any) -> None:
    value = calibration_world["figures"][target.key]
    assert target.low <= value <= target.high, f"{target.label}: {value:.4f} not in [{target.low}, {target.high}]"


def test_identified_children_look_more_male_than_the_truth(calibration_world: dict[str, Any]) -> None:
    figs = calibration_world["figures"]
    assert figs["identified_male_share"] > figs["true_male_share"] + 0.05


@pytest.mark.parametrize("baseline", SIMPLE_BASELINES)
def test_simple_baselines_stay_below_half_precision_at_half_recall(
    calibration_world: dict[str, Any], baseline: str
) -> None:
    sep = calibration_world["separability"][baseline]
    assert sep["precision_at_recall_0_5"] <= 0.5
    assert sep["precision_any"] <= 0.5 or sep["recall_any"] < 0.5


def test_overlap_most_flagged_children_are_not_exploited(calibration_world: dict[str, Any]) -> None:
    sep = calibration_world["separability"]
    assert sep["any_police_contact"]["precision_any"] < 0.1
    assert sep["missing_count"]["precision_any"] < 0.5
    assert sep["any_arrest"]["recall_any"] < 0.5  # many exploited children are never arrested


def test_report_renders_every_target(calibration_world: dict[str, Any]) -> None:
    manifest = {"children": 60000, "years": 3, "seed": 1, "window": {"start": "a", "end": "b"}, "events_total": 1}
    text = render(calibration_world, manifest, "cmd")
    for t in TARGETS:
        assert t.label in text
