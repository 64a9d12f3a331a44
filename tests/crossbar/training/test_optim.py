"""Tests of CrossbarSGD (TxSim's update as a torch optimizer) and crossbar-aware training through nn.train.fit."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from workbench.crossbar.array.circuit import CircuitConfig
from workbench.crossbar.array.config import CrossbarConfig
from workbench.crossbar.array.peripherals import PeripheralConfig
from workbench.crossbar.training.layers import TxSimConfig, tx_mlp
from workbench.crossbar.training.optim import CrossbarSGD, train
from workbench.crossbar.training.update import UpdateConfig
from workbench.datasets import digits

NONIDEAL = TxSimConfig(crossbar=CrossbarConfig(circuit=CircuitConfig(rows=16, cols=16, r_wire_row_ohm=1.0,
                                                                     r_wire_col_ohm=1.0, model="cumulative"),
                                               peripherals=PeripheralConfig(input_bits=8, adc_bits=8)),
                       write=UpdateConfig(nu=2.0, gamma=0.1))


def _batches(n=4, seed=1):
    gen = torch.Generator().manual_seed(seed)
    return [(torch.randn(16, 64, generator=gen), torch.randint(0, 10, (16,), generator=gen)) for _ in range(n)]


def test_all_ideal_crossbar_sgd_is_torch_sgd_bit_for_bit():
    """With every operation ideal a TxSim MLP is nn.Linear layers, and CrossbarSGD is torch's SGD."""
    ideal = TxSimConfig(forward=False, backward=False, update=False)
    crossbar = tx_mlp((64, 24, 10), ideal, seed=3)
    plain = nn.Sequential(nn.Flatten(), nn.Linear(64, 24), nn.ReLU(), nn.Linear(24, 10))
    plain.load_state_dict(crossbar.state_dict(), strict=False)  # the crossbar layers also hold array states
    optimizers = CrossbarSGD(crossbar, lr=0.1), torch.optim.SGD(plain.parameters(), lr=0.1)
    start = plain[1].weight.detach().clone()
    for x, y in _batches():
        for model, optimizer in zip((crossbar, plain), optimizers, strict=True):
            optimizer.zero_grad(set_to_none=True)
            F.cross_entropy(model(x), y).backward()
            optimizer.step()
    assert all(torch.equal(a, b) for a, b in zip(plain.parameters(), crossbar.parameters(), strict=True))
    assert not torch.equal(plain[1].weight, start)  # and the steps moved them


def test_crossbar_sgd_programs_the_arrays_as_the_crossbar_step_does():
    """The optimizer in a torch loop pulses the arrays: weights leave the ideal SGD trajectory, and its learning rate
    is the one it was given (0 moves nothing but the pulse rounding of a zero step: nothing)."""
    ideal_update = tx_mlp((64, 24, 10), TxSimConfig(crossbar=NONIDEAL.crossbar, update=False), seed=3)
    pulsed = tx_mlp((64, 24, 10), NONIDEAL, seed=3)
    before = [p.detach().clone() for p in pulsed.parameters()]
    for model in (ideal_update, pulsed):
        optimizer = CrossbarSGD(model, lr=0.1)
        for x, y in _batches():
            optimizer.zero_grad(set_to_none=True)
            F.cross_entropy(model(x), y).backward()
            optimizer.step()
    moved = [float((p.detach() - b).abs().max()) for p, b in zip(pulsed.parameters(), before, strict=True)]
    assert all(m > 0 for m in moved)
    assert not torch.equal(pulsed[1].weight, ideal_update[1].weight)  # the write model is not the ideal step
    with pytest.raises(ValueError, match="lr=0"):
        CrossbarSGD(pulsed, lr=0)


def test_train_through_fit_equals_a_hand_written_loop_of_crossbar_steps():
    """TxSim's train() runs in nn.train.fit; the same seeded order, losses and crossbar steps written out by hand give
    the same history and weights, bit for bit."""
    splits = digits()
    result = train(tx_mlp((64, 32, 10), NONIDEAL, seed=1), splits, epochs=2, lr=0.1, seed=3)
    model = tx_mlp((64, 32, 10), NONIDEAL, seed=1)
    optimizer = CrossbarSGD(model, lr=0.1)
    x_train, y_train = splits.train.tensors
    gen = torch.Generator().manual_seed(3)
    for epoch, row in enumerate(result.history, start=1):
        order = torch.randperm(len(y_train), generator=gen)
        total = 0.0
        for i in range(0, len(order), 64):
            idx = order[i:i + 64]
            optimizer.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(x_train[idx]), y_train[idx])
            loss.backward()
            optimizer.step()
            total += loss.item() * len(idx)
        x_test, y_test = splits.test.tensors
        with torch.no_grad():
            accuracy = 100.0 * float((model(x_test).argmax(1) == y_test).float().mean())
        assert row["epoch"] == epoch and row["train_loss"] == total / len(order) and row["test_accuracy"] == accuracy
        assert row["wall_s"] > 0
    for name, value in model.state_dict().items():
        assert torch.equal(result.model.state_dict()[name], value), name
