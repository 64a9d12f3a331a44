"""The MRAM theme's target stage for cross-stack composition: ``mram.cim``, the accumulate on STT-CiM / VSH memory.

The network's accumulate work runs as the ``dnn_acc`` kernel of :mod:`workbench.mram.system` (a Nios II-class core
with an MRAM data memory; with CiM the partial sums are added in memory by CiM ADDs, STT-CiM arXiv:1703.02118; the
memory is any organisation of :data:`~workbench.mram.array.ORGANISATIONS`, STT to differential VSH,
arXiv:1912.07821). Per conv / linear layer the counts come from the artifact's **measured** facts:

* ``outputs`` = elements of the layer's output (one image);
* partial sums per output ``k = round(macs / outputs x weight_density x input_density)`` (at least 2): the products
  with both operands nonzero, which are the only ones that contribute to the sum (for a ternary layer a product is
  the input or its negation, so the whole MAC is the accumulate);
* ``dnn_acc`` with ``n = outputs`` and ``k_partial = k``: ``k - 1`` adds per output, i.e. with CiM ``(k - 1) n``
  CiM ADDs and as many writes, without CiM ``2 (k - 1) n`` reads and ``(k - 1) n`` writes over the bus
  (:func:`~workbench.mram.system.kernel_mix`).

Energy (memory + core) and time per inference are :func:`~workbench.mram.system.run_kernel` summed over the layers.
The memory only adds: a layer whose measured weights take more than three values (the float first and last layers,
or every layer of a network that was not ternarized) also needs its products, which the digital MAC unit beside the
memory computes (:mod:`workbench.hardware.digital`, multiplies only, priced by the component library, its time in
series with the accumulates); the accuracy is then that of the network with those layers' weights and inputs in the
unit's fixed point. Batch norm, ReLU and pooling are not charged. Area is the memory that holds the network's
weights and its largest layer's input and output (32-bit words, ``rows x cols / word_bits`` words per array,
:class:`~workbench.mram.array.ArrayConfig` defaults), arrays times :func:`~workbench.mram.array.evaluate`'s array area,
plus the digital unit's MAC lanes when it is used; the core is the same in every case and not counted.

Accuracy: a CiM ADD (or the two reads it replaces) is exact when every sense decision is right, and the partial sums
are 32-bit fixed point (LSB = the layer's largest calibration output / 2^30, finer than float32 near the maximum), so
without variation the accuracy is the network's own. With ``variation`` the theme's variation Monte Carlo
(:func:`~workbench.mram.cim.sense_statistics`, default :class:`~workbench.mram.cim.VariationConfig`) gives a bit error
rate per sensed bit: the ADD's (CiM) or twice the READ's (two operand reads, no CiM). Each add flips each of the 32
bits of the running sum independently with that rate (ECC cannot follow an ADD: parity is not linear in it), a flip
of bit ``b`` moving the sum by ``+-2^b`` LSB; the errors are injected into every layer's outputs (``k - 1`` adds per
output) and the test accuracy is measured through them.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from workbench.core import Bool, Choice
from workbench.core.stages import LayerFacts, NetworkArtifact, Stage, Workload
from workbench.hardware import mac_unit
from workbench.mram.array import ORGANISATIONS, ArrayConfig, evaluate
from workbench.mram.cim import VariationConfig, sense_statistics
from workbench.mram.studies import ORG_NAMES
from workbench.mram.system import run_kernel
from workbench.nn.trace import is_weight_layer, trace_layers

#: Bits of a partial-sum word (the system's 32-bit word); the fixed-point LSB keeps one bit of headroom.
WORD_BITS = 32


@dataclass(frozen=True)
class LayerWork:
    """The accumulate of one layer on the memory: outputs, partial sums per output and the kernel's figures."""

    name: str
    outputs: int
    k_partial: int
    reads: float
    writes: float
    cim_ops: float
    energy_j: float
    time_s: float


def partial_sums(fact: LayerFacts) -> int:
    """Partial sums per output of a layer: its nonzero-operand products per output, rounded, at least 2."""
    outputs = math.prod(fact.out_shape)
    return max(2, round(fact.macs / outputs * fact.weight_density * fact.input_density))


def layer_work(fact: LayerFacts, memory: str, cim: bool) -> LayerWork:
    """The ``dnn_acc`` kernel of one layer (see the module docstring) on ``memory`` with or without CiM."""
    kind, differential = ORGANISATIONS[memory]
    outputs, k = math.prod(fact.out_shape), partial_sums(fact)
    run = run_kernel("dnn_acc", outputs, kind=kind, differential=differential, cim=cim, k_partial=k)
    mix = run.mix
    return LayerWork(fact.name, outputs, k, mix.reads, mix.writes, mix.cim_ops, run.system_energy_j, run.time_s)


def bit_error_rate(memory: str, cim: bool, seed: int) -> float:
    """Error rate of one bit of an add's result: the CiM ADD's, or two operand READs' (Gaussian tail, per bit)."""
    kind, differential = ORGANISATIONS[memory]
    stats = sense_statistics(kind, differential, VariationConfig(seed=seed))
    return stats["ADD"].ber_gauss if cim else -math.expm1(2 * math.log1p(-stats["READ"].ber_gauss))


def memory_area_mm2(artifact: NetworkArtifact, memory: str) -> float:
    """Arrays holding the weights and the largest layer's input + output (32-bit words) times one array's area."""
    kind, differential = ORGANISATIONS[memory]
    array = ArrayConfig()
    words = artifact.params + max(math.prod(f.in_shape) + math.prod(f.out_shape) for f in artifact.facts)
    arrays = math.ceil(words / (array.rows * array.cols // array.word_bits))
    return arrays * evaluate(kind, differential, array, include_write=False).area_um2 * 1e-6


def with_add_errors(module: nn.Module, calibration: torch.Tensor, adds: dict[str, int], ber: float,
                    seed: int) -> nn.Module:
    """A copy of ``module`` whose conv / linear outputs carry the bit flips of ``adds[name]`` error-prone adds per
    output at ``ber`` per bit (32-bit fixed point, LSB = max |output| on ``calibration`` / 2^30)."""
    net = copy.deepcopy(module).eval()
    layers = {n: m for n, m in net.named_modules() if is_weight_layer(m)}
    peak = {t.name: float(t.output.abs().max()) for t in trace_layers(net, calibration)}
    rng = np.random.default_rng(seed)
    weights = 2.0 ** np.arange(WORD_BITS)

    def inject(mod, args, out, name):
        lsb = (peak[name] or 1.0) / 2.0 ** (WORD_BITS - 2)
        flips = rng.binomial(adds[name], ber, size=(*out.shape, WORD_BITS))
        signed = 2 * rng.binomial(flips, 0.5) - flips
        return out + torch.as_tensor(signed @ weights * lsb, dtype=out.dtype)

    for name, m in layers.items():
        m.register_forward_hook(lambda mod, args, out, n=name: inject(mod, args, out, n))
    return net


def cim_target(artifact: NetworkArtifact, workload: Workload, organisation: str, use_cim: bool,
               variation: bool) -> dict:
    """Accuracy, energy, latency and area of one inference's accumulates on the MRAM memory (module docstring)."""
    work = [layer_work(f, organisation, use_cim) for f in artifact.facts]
    unit = mac_unit.DigitalUnit()
    multiplied = [f for f in artifact.facts if f.weight_levels > 3]
    products = [mac_unit.layer(unit, f.name, f.macs, f.params, math.prod(f.in_shape), math.prod(f.out_shape),
                              accumulate=False) for f in multiplied]
    module = (mac_unit.fixed_point_network(artifact.module, workload.calibration, unit.bits,
                                          {f.name for f in multiplied}) if multiplied else artifact.module)
    ber = bit_error_rate(organisation, use_cim, workload.seed) if variation else 0.0
    if ber > 0:
        adds = {w.name: w.k_partial - 1 for w in work}
        accuracy = workload.accuracy(with_add_errors(module, workload.calibration, adds, ber, workload.seed))
    else:
        accuracy = workload.accuracy(module)
    digital_j = sum(p.energy_pj for p in products) * 1e-12
    baseline = sum(layer_work(f, organisation, False).energy_j for f in artifact.facts) if use_cim else None
    energy = sum(w.energy_j for w in work) + digital_j
    levels = mac_unit.levels(unit.bits)
    return {
        "accuracy": accuracy,
        "energy_per_inference_nj": energy * 1e9,
        "latency_per_inference_us": (sum(w.time_s for w in work) + sum(p.latency_ns for p in products) * 1e-9) * 1e6,
        "area_mm2": memory_area_mm2(artifact, organisation) + (mac_unit.area_mm2(unit, 0) if multiplied else 0.0),
        "memory_reads": sum(w.reads for w in work),
        "memory_writes": sum(w.writes for w in work),
        "cim_adds": sum(w.cim_ops for w in work),
        "cim_energy_ratio": (baseline + digital_j) / energy if baseline is not None else 1.0,
        "add_bit_error_rate": ber,
        "digital_energy_share": digital_j / energy,
        "layers": [w.__dict__ for w in work],
        "layer_units": [mac_unit.priced(f.name, "digital multiply + MRAM add", levels, levels) if f in multiplied
                        else mac_unit.priced(f.name, "MRAM add", 3, 2 ** WORD_BITS) for f in artifact.facts],
    }


CIM = Stage(
    name="mram.cim",
    kind="target",
    theme="mram",
    func=cim_target,
    knobs=(
        Choice("organisation", "STT", options=ORG_NAMES, label="MRAM memory",
               help="Memory: STT, GSH, DGSH, VSH or DVSH (D = differential) holding the partial sums."),
        Bool("use_cim", True, label="compute in memory",
             help="Partial sums added by CiM ADDs in the memory (off: read into the core, added, written back)."),
        Bool("variation", True, label="MRAM sensing variation",
             help="Bit errors of the sensed adds from the theme's variation Monte Carlo (off: ideal sensing, exact)."),
    ),
    requires=("trained",),
    label="STT-CiM / VSH",
    description="The network's accumulates on an MRAM data memory with compute-in-memory ADDs (STT-CiM; STT to "
                "differential VSH), sensing errors of the adds injected into the forward pass.",
)
