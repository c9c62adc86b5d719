"""The interval chart the programme and return reports share."""

from __future__ import annotations

import json

from merchantry.report import Interval, interval_chart
from merchantry.report.charts import LOSS_COLOUR, NEUTRAL_COLOUR


def test_intervals_are_drawn_as_distances_from_each_estimate() -> None:
    chart = interval_chart(
        "rates",
        [
            Interval("a", 0.10, 0.05, 0.20, highlighted=True, baseline=0.04),
            Interval("b", 0.02, 0.01, 0.03),
        ],
        value_title="rate",
        baseline_name="category",
        tickformat=".0%",
    )
    spec = json.loads(chart.spec)
    estimate, baseline = spec["data"]
    assert estimate["y"] == ["a", "b"]
    assert estimate["error_x"]["array"] == [0.1, 0.03 - 0.02]
    assert estimate["error_x"]["arrayminus"] == [0.05, 0.02 - 0.01]
    assert estimate["marker"]["color"] == [LOSS_COLOUR, NEUTRAL_COLOUR]
    assert (baseline["x"], baseline["y"], baseline["name"]) == ([0.04], ["a"], "category")
    assert spec["layout"]["xaxis"]["tickformat"] == ".0%"


def test_without_baselines_one_trace_and_an_optional_zero_line() -> None:
    spec = json.loads(
        interval_chart(
            "effects", [Interval("p", -1.0, -2.5, 0.5)], value_title="%", zero_line=True
        ).spec
    )
    assert len(spec["data"]) == 1
    assert [s["x0"] for s in spec["layout"]["shapes"]] == [0]
    assert spec["layout"]["showlegend"] is False
