"""SSD300-VGG16 FLOP accounting on meta tensors: the published figure, the S^2 scaling, small inputs, bad input."""

import pytest
import torch

from workbench.pad.ssd300 import PUBLISHED_GMACS_300, SSD300, ssd300_flops


def test_ssd300_at_300_matches_the_published_count_within_2_percent():
    c = ssd300_flops(300)
    assert c.gmacs == pytest.approx(PUBLISHED_GMACS_300, rel=0.02)
    assert c.flops * 30 / 1e12 == pytest.approx(1.87, rel=0.02)  # the paper's 1.87 TFLOPS at 30 fps
    assert c.map_sides == (38, 19, 10, 5, 3, 1) and not c.padded and not c.dropped
    assert c.backbone_flops + c.extras_flops + c.heads_flops == c.flops


def test_backbone_scales_with_the_input_area():
    big, small = ssd300_flops(300), ssd300_flops(150)
    assert big.backbone_flops / 2e9 == pytest.approx(29.9, rel=0.01)
    assert small.backbone_flops / 2e9 == pytest.approx(7.3, rel=0.03)
    assert big.flops / small.flops == pytest.approx(4.0, rel=0.1)


def test_small_inputs_pad_or_drop_the_extra_layers():
    padded, dropped = ssd300_flops(100, extras="pad"), ssd300_flops(100, extras="drop")
    assert padded.padded == ("conv10_2", "conv11_2") and len(padded.map_sides) == 6
    assert dropped.dropped == ("conv10_2", "conv11_2") and len(dropped.map_sides) == 4
    assert dropped.flops < padded.flops


def test_no_weights_are_allocated():
    with torch.device("meta"):
        model = SSD300(300)
    assert all(p.is_meta for p in model.parameters())


@pytest.mark.parametrize("kwargs, name", [({"input_px": 8}, "input_px"), ({"extras": "crop"}, "extras"),
                                          ({"num_classes": 1}, "num_classes")])
def test_bad_input_names_it(kwargs, name):
    with pytest.raises(ValueError, match=name):
        ssd300_flops(**kwargs)


@pytest.mark.parametrize("side, extras", [(300, "pad"), (152, "pad"), (100, "drop"), (64, "pad")])
def test_planned_map_sides_are_the_real_ones(side, extras):
    with torch.device("meta"):
        model = SSD300(side, extras=extras)
        outputs = model(torch.empty(1, 3, side, side))
    locs = outputs[: len(outputs) // 2]
    assert tuple(o.shape[-1] for o in locs) == ssd300_flops(side, extras=extras).map_sides
