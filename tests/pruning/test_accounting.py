import pytest
import torch
from torch import nn

from workbench.nn import vgg
from workbench.nn.train import make_optimizer
from workbench.pruning.accounting import (
    TRAIN_PASSES,
    UPDATE_ACCESSES,
    epoch_cost,
    forward_cost,
    measure_latency_ms,
    saving,
    scoring_overhead,
    training_traffic,
)
from workbench.pruning.analytic import profile


def test_epoch_compute_is_three_forward_passes_per_sample():
    model = vgg([4, "M", 8], num_classes=2, in_channels=1, input_size=4)
    cost = epoch_cost(model, (1, 4, 4), samples=10, batch_size=4)
    # By hand: conv 4x4 positions x 4 out x 9 in + conv 2x2 x 8 x 36 + linear 8 x 2.
    forward = 16 * 4 * 9 + 4 * 8 * 36 + 16
    assert cost["forward_macs"] == forward
    assert cost["train_macs"] == TRAIN_PASSES * forward * 10
    memory = (16 + 36 + 64) + (16 + 288 + 32) + (8 + 18 + 2)
    assert cost["forward_memory"] == memory
    # Memory by phase (I, W, O per layer: (16, 36, 64), (16, 288, 32), (8, 16 + 2, 2)): forward and weight gradient
    # touch every layer's I, W and O once; the first layer has no input gradient; 10 samples in batches of 4 are 3
    # optimiser steps.
    passes = memory + (32 + 288 + 16) + (2 + 18 + 8) + memory
    assert cost["train_memory"] == passes * 10 + UPDATE_ACCESSES * (36 + 288 + 18) * 3
    assert cost["train_memory"] != 3 * memory * 10
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


def _tiny_net() -> nn.Sequential:
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(4, 6, 3, padding=1),
                         nn.ReLU(), nn.Flatten(), nn.Linear(6 * 2 * 2, 3))


def _traffic_seen_by_autograd(model: nn.Module, batch: int) -> float:
    """Training memory accesses of one step, recounted from the tensors a real forward / backward / SGD step
    touches (module hooks, the gradients autograd writes, the optimiser's velocity buffers)."""
    seen: dict[nn.Module, dict[str, int]] = {}
    layers = [m for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]

    def forward_hook(module, inputs, output):
        seen[module] = {"in": inputs[0].numel(), "out": output.numel()}

    def backward_hook(module, grad_input, grad_output):
        seen[module]["grad_in"] = 0 if grad_input[0] is None else grad_input[0].numel()
        seen[module]["grad_out"] = grad_output[0].numel()

    handles = [h for m in layers for h in (m.register_forward_hook(forward_hook),
                                          m.register_full_backward_hook(backward_hook))]
    optimiser = make_optimizer(model, lr=0.1, momentum=0.9, weight_decay=5e-4)
    x = torch.randn(batch, 1, 4, 4)
    nn.functional.cross_entropy(model(x), torch.arange(batch) % 3).backward()
    optimiser.step()
    for h in handles:
        h.remove()
    total = 0
    for m in layers:
        s = seen[m]
        params = list(m.parameters(recurse=False))
        weights = sum(p.numel() for p in params)
        total += s["in"] + weights * batch + s["out"]  # forward: weights read once per sample (no reuse)
        if s["grad_in"]:  # input gradient: read dO and W, write dI
            total += s["grad_out"] + weights * batch + s["grad_in"]
        total += s["in"] + s["grad_out"] + sum(p.grad.numel() for p in params) * batch  # weight gradient
        velocity = sum(optimiser.state[p]["momentum_buffer"].numel() for p in params)
        total += UPDATE_ACCESSES * velocity  # one update step: read w, dw, v; write v, w
    return total


@pytest.mark.filterwarnings("ignore:Full backward hook is firing")
def test_training_memory_matches_an_independent_count_from_autograd():
    model = _tiny_net()
    batch = 5
    counted = epoch_cost(model, (1, 4, 4), samples=batch, batch_size=batch)["train_memory"]
    assert counted == _traffic_seen_by_autograd(model, batch)


def test_memory_is_not_proportional_to_macs():
    """Two layers with equal MACs but different activations and parameters have different training traffic."""
    deep = vgg([16, 16], num_classes=2, in_channels=1, input_size=8)
    big_batch = epoch_cost(deep, (1, 8, 8), samples=1024, batch_size=1024)
    small_batch = epoch_cost(deep, (1, 8, 8), samples=1024, batch_size=1)
    assert big_batch["train_macs"] == small_batch["train_macs"]
    assert small_batch["train_memory"] > big_batch["train_memory"]
    ratio = big_batch["train_memory"] / big_batch["train_macs"]
    wide = vgg([64], num_classes=2, in_channels=1, input_size=8)
    other = epoch_cost(wide, (1, 8, 8), samples=1024, batch_size=1024)
    assert other["train_memory"] / other["train_macs"] != pytest.approx(ratio, rel=0.05)


def test_training_traffic_phases_and_checks():
    traffic = training_traffic([(10, 5, 20), (20, 7, 4)], batch_size=2)
    assert (traffic.forward, traffic.input_gradient, traffic.weight_gradient) == (66, 31, 66)
    assert traffic.update == UPDATE_ACCESSES * 12 / 2
    assert traffic.total == 66 + 31 + 66 + 30
    with pytest.raises(ValueError, match="batch_size=0"):
        training_traffic([], batch_size=0)


@pytest.mark.parametrize("network", ["vgg8", "resnet8"])
def test_analytic_training_memory_matches_the_counted_network(network):
    from workbench.nn import resnet

    model = vgg("vgg8", 10, 3, 16) if network == "vgg8" else resnet(8, 10, 3)
    prof = profile(network, 16)
    counted = epoch_cost(model, (3, 16, 16), samples=64, batch_size=64)
    assert prof.training_memory(model.widths(), 64).total * 64 == pytest.approx(counted["train_memory"], rel=1e-9)
