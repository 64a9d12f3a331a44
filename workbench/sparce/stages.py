"""The SparCE theme's target stage for cross-stack composition: ``sparce.core``.

The network runs as integer GEMM / FC kernels (:mod:`workbench.sparce.ops`: im2col + GEMM per 3x3 convolution,
FC for a linear layer) on the in-order AArch64 core, with and without SparCE (SpRF + SASA), timed by the trace
model (:class:`~workbench.sparce.trace.TraceModel`) on the network's **own** activations: each layer's inputs are
captured with forward hooks on ``images`` validation images and quantized to 8 bits per layer (weights to
int8 per layer, scale max|W| / 127; inputs to max|x| / 127 of the calibration batch), so the zeros SparCE skips
are the trained (pruned, possibly ternary) network's real ones. Output channels are padded with zero weights to
the kernels' 4-row block (16 for the NEON FC).

Accuracy is the test accuracy of the network with those 8-bit weights and inputs (int32 accumulation is exact;
SparCE skips only products with a zero operand, so it changes no result). Batch norm, ReLU and pooling run
between the kernels and are not timed (the kernels are the MACs). Latency comes from the cycles with SparCE at
:class:`CoreCosts`' clock; energy and area from the component library's in-order core
(:func:`workbench.hardware.core.core_instruction` at 28 nm [R]): each executed memory access is a ``load``, every
other executed instruction an ``alu`` instruction (the SparCE paper reports time only; stall cycles and the NEON
unit are not priced).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from workbench.core import Choice, Int
from workbench.core.knobs import knob_field, validate_config
from workbench.core.stages import NetworkArtifact, Stage, Workload
from workbench.hardware.core import core_area_um2, core_instruction
from workbench.hardware.mac_unit import fixed_point_network, levels, priced
from workbench.hardware.tech import load_tech
from workbench.nn.trace import trace_layers
from workbench.sparce.ops import im2col_ref
from workbench.sparce.trace import TraceModel

#: Levels of the 8-bit operands (symmetric: -127..127).
INT8 = 127
#: [R] Node of the in-order ARMv8 core the kernels run on (Cortex-A53 class at 28 nm).
NODE_NM = 28


@dataclass(frozen=True)
class CoreCosts:
    """[R] The clock of the in-order core the kernels run on (not in the SparCE paper); its energy and area are the
    component library's (module docstring)."""

    clock_ghz: float = knob_field(1.0, low=0.0, low_open=True, high=10.0, unit="GHz",
                                  help="Core clock [R]: a 1 GHz in-order ARMv8 core (Cortex-A53 class).")

    def __post_init__(self) -> None:
        validate_config(self)


def _pad_rows(w: np.ndarray, block: int) -> np.ndarray:
    rows = -(-w.shape[0] // block) * block
    return np.vstack([w, np.zeros((rows - w.shape[0], w.shape[1]), dtype=w.dtype)])


def _scale(t: torch.Tensor) -> float:
    return float(t.detach().abs().max()) / INT8 or 1.0


def _layers(module: nn.Module) -> list[tuple[str, nn.Module]]:
    found = []
    for name, m in module.named_modules():
        if isinstance(m, nn.Conv2d):
            if m.kernel_size != (3, 3) or m.stride != (1, 1) or m.padding != (1, 1) or m.groups != 1:
                raise ValueError(f"layer {name!r} cannot run on the SparCE kernels: kernel {m.kernel_size}, stride "
                                 f"{m.stride}, padding {m.padding}, groups {m.groups}; allowed: 3x3, stride 1, pad 1")
            found.append((name, m))
        elif isinstance(m, nn.Linear):
            found.append((name, m))
    return found


def capture_inputs(module: nn.Module, x: torch.Tensor) -> dict[str, torch.Tensor]:
    """Each conv / linear layer's input on the batch ``x`` (one trace, :func:`workbench.nn.trace.trace_layers`),
    once every layer is known to run on the SparCE kernels."""
    _layers(module)
    return {t.name: t.input for t in trace_layers(module, x)}


def kernel_calls(module: nn.Module, inputs: dict[str, torch.Tensor], scales: dict[str, float], image: int,
                 variant: str) -> list[tuple[str, dict]]:
    """The GEMM / FC kernel calls of one image, with int32 operands (see the module docstring)."""
    calls = []
    for name, m in _layers(module):
        w = m.weight.detach()
        w_int = torch.round(w / _scale(w)).clamp(-INT8, INT8).to(torch.int32).numpy()
        x_int = torch.round(inputs[name][image] / scales[name]).clamp(-INT8, INT8).to(torch.int32).numpy()
        if isinstance(m, nn.Conv2d):
            cols = im2col_ref(x_int, 3, 1).astype(np.int32)
            calls.append(("gemm", {"W": _pad_rows(w_int.reshape(w_int.shape[0], -1), 4), "X": cols}))
        else:
            block = 16 if variant == "neon" else 4
            calls.append(("fc", {"W": _pad_rows(w_int, block), "x": x_int.reshape(-1)}))
    return calls


def core(artifact: NetworkArtifact, workload: Workload, variant: str, images: int) -> dict:
    """Accuracy, energy, latency and area of one inference on the SparCE core (see the module docstring)."""
    module = artifact.module
    inputs = capture_inputs(module, workload.calibration)
    scales = {name: _scale(x) for name, x in inputs.items()}
    images = min(images, len(workload.calibration))
    with_sparce = TraceModel(variant, sparce=True)
    baseline = TraceModel(variant, sparce=False)
    cycles = base = skipped = instructions = executed = accesses = 0
    for i in range(images):
        calls = kernel_calls(module, inputs, scales, i, variant)
        on, off = with_sparce.run(calls), baseline.run(calls)
        cycles, base = cycles + on["cycles"], base + off["cycles"]
        skipped, instructions = skipped + on["skipped"], instructions + off["instructions"]
        executed, accesses = executed + on["instructions"], accesses + on["accesses"]
    costs = CoreCosts()
    tech = load_tech().at_node(NODE_NM)
    e_alu, e_load = (core_instruction(kind, tech).energy_fj for kind in ("alu", "load"))
    cycles, base = cycles / images, base / images
    return {
        "accuracy": workload.accuracy(fixed_point_network(module, workload.calibration, 8)),
        "energy_per_inference_nj": ((executed - accesses) * e_alu + accesses * e_load) / images * 1e-6,
        "latency_per_inference_us": cycles / costs.clock_ghz * 1e-3,
        "area_mm2": core_area_um2(tech) * 1e-6,
        "time_reduction": 100 * (1 - cycles / base),
        "skipped_fraction": skipped / instructions,
        "cycles_base": base,
        "layer_units": [priced(f.name, "core", levels(8), levels(8)) for f in artifact.facts],
    }


CORE = Stage(
    name="sparce.core",
    kind="target",
    theme="sparce",
    func=core,
    knobs=(
        Choice("variant", "scalar", options=("scalar", "neon"), label="SparCE core",
               help="Scalar in-order core, or with 4-lane NEON kernels (a skip needs all 4 lanes zero)."),
        Int("images", 2, low=1, high=16, label="SparCE timed images",
            help="Validation images whose kernel calls are timed (averaged)."),
    ),
    requires=("trained",),
    label="SparCE core",
    description="In-order AArch64 core with SpRF + SASA skipping the zero activations the network really has.",
)
