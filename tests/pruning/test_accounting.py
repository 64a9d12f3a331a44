import pytest
import torch

from workbench.nn import vgg
from workbench.pruning.accounting import (
    TRAIN_PASSES,
    epoch_cost,
    forward_cost,
    measure_latency_ms,
    saving,
    scoring_overhead,
)


def test_epoch_cost_is_three_forward_passes_per_sample():
    model = vgg([4, "M", 8], num_classes=2, in_channels=1, input_size=4)
    cost = epoch_cost(model, (1, 4, 4), samples=10)
    # By hand: conv 4x4 positions x 4 out x 9 in + conv 2x2 x 8 x 36 + linear 8 x 2.
    forward = 16 * 4 * 9 + 4 * 8 * 36 + 16
    assert cost["forward_macs"] == forward
    assert cost["train_macs"] == TRAIN_PASSES * forward * 10
    memory = (16 + 36 + 64) + (16 + 288 + 32) + (8 + 18 + 2)
    assert cost["forward_memory"] == memory
    assert cost["train_memory"] == 3 * memory * 10
    assert forward_cost(model, (1, 4, 4))["params"] == sum(p.numel() for p in model.parameters())


def test_overhead_and_saving():
    assert scoring_overhead("l1", 100, 50) == 0
    assert scoring_overhead("frs", 100, 50) == 6 * 100 * 50
    assert saving(59, 100) == pytest.approx(0.41)
    with pytest.raises(ValueError, match="baseline=0"):
        saving(1, 0)
    with pytest.raises(ValueError, match="'hessian'"):
        scoring_overhead("hessian", 1, 1)


def test_latency_is_positive_and_smaller_for_a_much_narrower_net():
    torch.manual_seed(0)
    wide = vgg([256, 256], num_classes=2, in_channels=3, input_size=16)
    narrow = vgg([8, 8], num_classes=2, in_channels=3, input_size=16)
    assert 0 < measure_latency_ms(narrow, (3, 16, 16), repeats=5) < measure_latency_ms(wide, (3, 16, 16), repeats=5)
