"""compose views: the waterfall's steps come from the right stored rows; both views render from stored frames."""

from __future__ import annotations

import pandas as pd

from workbench.compose.views import pareto, steps, waterfall

FULL = "pruning.train>tim.ternarize>crossbar.arrays"
RATIO, SCHEME = "pruning.train.target_ratio", "tim.ternarize.representation"


def _row(pipeline, prune_ratio, tile_size, accuracy, energy):
    return {"pipeline": pipeline, RATIO: prune_ratio, "tile_size": tile_size, SCHEME: "symmetric",
            "accuracy": accuracy - 1, "accuracy_float": accuracy, "energy_per_inference_nj": energy,
            "latency_per_inference_us": 1.0, "area_mm2": 1.0}


FRAME = pd.DataFrame([
    _row(FULL, 0.5, 64, 80.0, 4.0),
    _row("pruning.train>crossbar.arrays", 0.5, 64, 90.0, 4.5),
    _row("pruning.train>crossbar.arrays", 0.0, 64, 95.0, 8.0),
    _row("pruning.train>crossbar.arrays", 0.0, 128, 99.0, 20.0),  # another tile size: never mixed in
])


def test_waterfall_switches_stages_on_one_after_another_on_the_same_target_settings():
    found = steps(FRAME, FULL, {RATIO: 0.5, SCHEME: "symmetric"})
    assert [name for name, _ in found] == ["baseline", "+ prune while training", "+ ternarize"]
    assert [row["accuracy_float"] for _, row in found] == [95.0, 90.0, 80.0]
    missing = steps(FRAME.drop(index=1), FULL, {RATIO: 0.5, SCHEME: "symmetric"})
    assert [name for name, _ in missing] == ["baseline", "+ ternarize"]  # the pruning step folds into the next
    _, data = waterfall(FULL, {"compose.pipeline": FRAME}, **{RATIO: 0.5, "pruning.train.criterion": "l1",
                                                              "pruning.train.epochs": 12, SCHEME: "symmetric",
                                                              "tim.ternarize.epochs": 6})
    accuracy = data[data["panel"].str.startswith("accuracy")]
    assert accuracy["end"].tolist() == [95.0, 90.0, 80.0, 79.0]  # last step: the hardware's own loss
    assert (data["effect"] == "worse").sum() == 3 and (data["effect"] == "better").sum() == 2


def test_pareto_view_plots_every_point_with_its_target():
    _, data = pareto("energy_per_inference_nj", {"compose.pipeline": FRAME})
    assert len(data) == len(FRAME) and set(data["target"]) == {"crossbars"}
