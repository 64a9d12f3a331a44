"""The digital MAC unit beside an in-memory target: the layers its arrays cannot compute, priced by the component
library, and the fixed-point network whose accuracy that unit delivers.

An in-memory target computes one kind of arithmetic (TiM-DNN: ternary weights times ternary inputs; an MRAM CiM
memory: additions). A composed network usually has layers outside it: the first convolution sees the image (256
grey levels) and TWN/TTQ keep the first and last weight layers in full precision. Such a layer runs on a digital unit
of :attr:`DigitalUnit.lanes` integer MACs, ``bits``-bit operands (weights and inputs, symmetric per-layer scales,
as :mod:`workbench.sparce.stages` quantizes) accumulated in ``acc_bits``, and the accuracy is that of the network
with those layers quantized (:func:`fixed_point_network`), so what is priced is what is evaluated.

Costs from the component library at the unit's node:

* one MAC: :func:`workbench.hardware.digital.mac` (a ``bits`` x ``bits`` multiply, the ``acc_bits`` add and the
  accumulator register); a unit that only multiplies (beside a memory that adds) is charged
  :func:`~workbench.hardware.digital.multiplier` alone;
* operands: every weight read once per inference from the unit's SRAM (weight-stationary lanes), every input read
  and output written once, in accesses of ``lanes x bits`` bits (:func:`workbench.hardware.memory.memory`); the
  weights' SRAM is part of the unit's area.

One MAC per lane per cycle; the cycle is the multiplier's and the accumulator's delays in series (no pipelining).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Collection
from dataclasses import dataclass

import torch
from torch import nn

from workbench.core.knobs import Assumed, knob_field, validate_config
from workbench.hardware import digital, memory
from workbench.hardware.tech import CircuitCost, PeripheryTech, load_tech
from workbench.nn.trace import is_weight_layer, trace_layers


@dataclass(frozen=True)
class DigitalUnit:
    """[R] The digital MAC unit next to an in-memory target (the module docstring)."""

    bits: int = knob_field(8, low=2, high=32, unit="bit", label="digital operand bits",
                           help="Weight and input bits of the digital unit (symmetric fixed point per layer).")
    acc_bits: int = knob_field(32, low=8, high=64, unit="bit", label="digital accumulator",
                               help="Accumulator width of a digital MAC.")
    lanes: int = knob_field(64, low=1, high=4096, label="digital MAC lanes",
                            help="MACs the digital unit does per cycle.",
                            assumed=Assumed(16, 256, "a small vector / systolic MAC block beside the arrays: 16 lanes "
                                                     "(a DSP-class core) to 256 (a 16x16 array)"))
    node_nm: int = knob_field(32, low=1, high=math.inf, unit="nm", label="digital unit node",
                              help="CMOS node (the shared periphery table is scaled to it).")

    def __post_init__(self) -> None:
        validate_config(self)


@dataclass(frozen=True)
class DigitalLayer:
    """One layer on the digital unit: its MACs and the energy (pJ) and time (ns) of one inference."""

    name: str
    macs: int
    energy_pj: float
    latency_ns: float


def levels(bits: int) -> int:
    """Operand values of a ``bits``-bit symmetric fixed-point number: ``2^bits - 1``."""
    return 2 ** bits - 1


def priced(name: str, unit: str, weight_levels: int, input_levels: int) -> dict:
    """A target's record of how it prices one layer: on which ``unit``, for operands of how many values (the
    ``layer_units`` entry of every composition target's result)."""
    return {"layer": name, "unit": unit, "weight_levels": weight_levels, "input_levels": input_levels}


def mac(unit: DigitalUnit, tech: PeripheryTech | None = None) -> CircuitCost:
    """One MAC of one lane (energy fJ, cycle ns, lane area um2), ``tech`` scaled to the unit's node."""
    return digital.mac(unit.bits, unit.acc_bits, (tech or load_tech()).at_node(unit.node_nm))


def _operands(unit: DigitalUnit, bits: int, capacity_bits: int, tech: PeripheryTech) -> float:
    """Energy (fJ) of moving ``bits`` operand bits through the unit's SRAM of ``capacity_bits`` bits, in accesses
    of one word per lane."""
    width = unit.lanes * unit.bits
    return math.ceil(bits / width) * memory.memory(width, capacity_bits, tech).energy_fj if bits else 0.0


def layer(unit: DigitalUnit, name: str, macs: int, weights: int, inputs: int, outputs: int, *,
          accumulate: bool = True) -> DigitalLayer:
    """One inference of a layer with ``macs`` MACs, ``weights`` weights, ``inputs`` inputs and ``outputs`` outputs
    (one image) on the unit: MAC energy plus the operand accesses, ``ceil(macs / lanes)`` cycles.
    ``accumulate=False``: the unit only multiplies (a memory that adds, like an MRAM CiM array, sums the products),
    so the accumulator and the output writes are not charged."""
    tech = load_tech().at_node(unit.node_nm)
    step = mac(unit, tech) if accumulate else digital.multiplier(unit.bits, unit.bits, tech)
    operand_bits = unit.bits * (weights + inputs) + (unit.acc_bits * outputs if accumulate else 0)
    energy_fj = macs * step.energy_fj + _operands(unit, operand_bits, unit.bits * max(weights, 1), tech)
    return DigitalLayer(name, macs, energy_fj * 1e-3, math.ceil(macs / unit.lanes) * step.time_ns)


def area_mm2(unit: DigitalUnit, weights: int) -> float:
    """The unit's lanes and an SRAM holding ``weights`` weights of ``bits`` bits (mm2)."""
    tech = load_tech().at_node(unit.node_nm)
    sram = memory.memory(unit.lanes * unit.bits, unit.bits * weights, tech).area_um2 if weights else 0.0
    return (unit.lanes * mac(unit, tech).area_um2 + sram) * 1e-6


def fixed_point_network(module: nn.Module, calibration: torch.Tensor, bits: int,
                        names: Collection[str] | None = None) -> nn.Module:
    """A copy of ``module`` whose conv / linear layers in ``names`` (all when None) multiply ``bits``-bit weights and
    inputs: symmetric scales per layer, ``max |W|`` and the largest input on ``calibration``, over ``2^(bits-1) - 1``
    levels each side (the accumulation itself is exact, as an integer accumulator of enough bits is)."""
    top = 2 ** (bits - 1) - 1
    net = copy.deepcopy(module).eval()
    chosen = {t.name: t.input for t in trace_layers(net, calibration) if names is None or t.name in names}

    def grid(t: torch.Tensor, scale: float) -> torch.Tensor:
        return torch.round(t / scale).clamp(-top, top) * scale

    for name, m in net.named_modules():
        if name not in chosen or not is_weight_layer(m):
            continue
        with torch.no_grad():
            m.weight.copy_(grid(m.weight, float(m.weight.abs().max()) / top or 1.0))
        s_x = float(chosen[name].abs().max()) / top or 1.0
        m.register_forward_pre_hook(lambda mod, args, s_x=s_x: (grid(args[0], s_x),))
    return net
