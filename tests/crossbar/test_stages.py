"""The crossbar theme's composition stages: crossbar-aware fine-tuning (crossbar.train) feeding the crossbar target."""

from __future__ import annotations

import torch
from torch import nn

from workbench.compose.pipeline import network, run_pipeline
from workbench.core.stages import check_pipeline, get_stage

TINY = {"pruning.train.epochs": 3, "pruning.train.criterion": "l1", "pruning.train.target_ratio": 0.5,
        "crossbar.train.epochs": 1}
SCALE = {"width": 4, "seed": 0}
PIPELINE = "pruning.train>crossbar.train>crossbar.arrays"


def test_crossbar_training_fine_tunes_the_trained_network_and_hands_on_plain_layers():
    trained = network("pruning.train>crossbar.arrays", TINY, **SCALE)
    tuned = network(PIPELINE, TINY, **SCALE)
    assert [r.stage for r in tuned.history] == ["pruning.train", "crossbar.train"]
    assert "crossbar_trained" in tuned.tags and tuned.facts[0].in_shape == trained.facts[0].in_shape
    layers = [m for m in tuned.module.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    assert layers and all(type(m) in (nn.Conv2d, nn.Linear) for m in layers)  # no crossbar layers left
    before = [m.weight for m in trained.module.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    assert all(a.shape == b.weight.shape for a, b in zip(before, layers, strict=True))
    assert any(not torch.equal(a, b.weight) for a, b in zip(before, layers, strict=True))  # pulses moved them
    assert 0 <= tuned.history[-1].accuracy <= 100


def test_the_target_shares_tile_size_and_wire_knobs_with_the_training_stage():
    train, arrays = get_stage("crossbar.train"), get_stage("crossbar.arrays")
    assert train.knobs[:2] == arrays.knobs[:2] and train.knobs[0] is arrays.knobs[0]
    check_pipeline(PIPELINE)
    row = run_pipeline(PIPELINE, {**TINY, "tile_size": 32, "crossbar.r_wire_ohm": 1.0,
                                  "crossbar.arrays.program_sigma": 0.0, "crossbar.arrays.nonideal": True,
                                  "crossbar.train.lr": 0.02}, **SCALE)
    assert 0 <= row["accuracy"] <= 100 and row["energy_per_inference_nj"] > 0
