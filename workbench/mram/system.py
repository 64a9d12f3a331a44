"""System level: kernels as memory-access mixes, memory energy and execution time with and without CiM.

A kernel runs on an in-order 32-bit core (Nios II class, one instruction per cycle when memory does not stall) with
an MRAM data memory on an on-chip bus. Without CiM every operand is read over the bus into the core, computed and
stored back; with CiM the core issues one vector CiM instruction per array row of words (STT-CiM's ISA/bus
extension [R]), the operation happens at the sense amplifiers and only results that the program needs leave the
memory. Counts per kernel (``N`` elements of 32 bits):

==========  ======================================  =============================================================
kernel      baseline (per element)                    CiM (per element)
==========  ======================================  =============================================================
vadd        2 reads, 1 write, 3 bus words, 6 cycles 1 CiM ADD, 1 write; 1/row issue cycles, 1/row bus command
bitwise     same, XOR/AND/OR                        1 CiM op, 1 write
dnn_acc     K-1 adds of partial-sum vectors          K-1 CiM ADDs, K-1 writes (accumulate in place)
search      1 read, 1 bus word, 4 cycles (cmp, br)  1 CiM XOR against the key row, a 1-bit match flag per word
dnn_net     dnn_acc summed over the conv/linear layers of a network from ``workbench.nn`` (see below)
==========  ======================================  =============================================================

``dnn_net``: a VGG-8 (``workbench.nn.models.vgg``, width 0.25, seeded initialisation) runs on 64 real digits
(``workbench.datasets.digits``, 8x8); for every conv/linear layer the output vector (C_out x H x W) is accumulated over
its input channels, one partial-sum vector per input channel that carries a nonzero activation for the image (an
all-zero channel after ReLU contributes nothing and is skipped by both versions). ``n`` scales the batch: the mix is
that of ``n / 64`` images' worth of the measured per-image average.

Memory energy = reads E_read + writes E_write + CiM ops E_cim + bus words E_bus; time = cycles t_clk + memory stalls
(an access longer than a cycle stalls the core for the remainder). Access energies and latencies come from
:mod:`workbench.mram.array` and :mod:`workbench.mram.cim` for the chosen organisation.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

from workbench.mram.array import ArrayKnobs, evaluate
from workbench.mram.cim import cim_access_energy
from workbench.mram.params import section
from workbench.mram.writepath import WriteKnobs

KERNELS = ("vadd", "bitwise", "dnn_acc", "search", "dnn_net")


@dataclass(frozen=True)
class Mix:
    """Memory-access mix of one kernel run."""

    reads: float
    writes: float
    cim_ops: float
    bus_words: float
    cycles: float
    cim_latency_ops: float = 0.0  # CiM accesses on the critical path (serialised per row)


@functools.lru_cache(maxsize=4)
def network_layers(images: int = 64, seed: int = 0) -> tuple[tuple[str, int, float], ...]:
    """Per conv/linear layer of the digits VGG-8: (name, outputs per image, mean active input channels per image),
    measured from the network's activations on ``images`` real digits (cached)."""
    import torch

    from workbench.datasets.digits import digits
    from workbench.nn.models import vgg
    from workbench.nn.trace import trace_layers

    torch.manual_seed(seed)
    model = vgg("vgg8", num_classes=10, in_channels=1, input_size=8, width_mult=0.25).eval()
    found: dict[str, tuple[int, float]] = {}
    for t in trace_layers(model, digits().test.tensors[0][:images]):
        if t.input.dim() == 4:  # channels with any nonzero activation, per image
            active = (t.input.abs().amax(dim=(2, 3)) > 0).float().sum(dim=1).mean()
        else:
            active = (t.input != 0).float().sum(dim=1).mean()
        found[t.name] = (math.prod(t.out_shape), float(active))
    return tuple((name, outputs, active) for name, (outputs, active) in found.items())


def kernel_mix(kernel: str, n: int, *, cim: bool, words_per_row: int = 8, k_partial: int = 9) -> Mix:
    """The access mix of ``kernel`` over ``n`` 32-bit elements (see the module table)."""
    if kernel not in KERNELS:
        raise ValueError(f"kernel={kernel!r}; allowed: {KERNELS}")
    if int(n) < 1:
        raise ValueError(f"n={n!r} elements; allowed: >= 1")
    if kernel == "dnn_net":
        scale = n / 64
        parts = [kernel_mix("dnn_acc", outputs, cim=cim, words_per_row=words_per_row,
                            k_partial=max(2, round(active))) for _, outputs, active in network_layers()]
        return Mix(*(scale * sum(getattr(p, f) for p in parts) for f in
                     ("reads", "writes", "cim_ops", "bus_words", "cycles", "cim_latency_ops")))
    rows = math.ceil(n / words_per_row)
    if kernel in ("vadd", "bitwise"):
        if not cim:
            return Mix(reads=2 * n, writes=n, cim_ops=0, bus_words=3 * n, cycles=6 * n)
        return Mix(reads=0, writes=n, cim_ops=n, bus_words=rows, cycles=3 * rows, cim_latency_ops=n)
    if kernel == "dnn_acc":
        adds = (k_partial - 1) * n
        if not cim:
            return Mix(reads=2 * adds, writes=adds, cim_ops=0, bus_words=3 * adds, cycles=6 * adds)
        r = math.ceil(adds / words_per_row)
        return Mix(reads=0, writes=adds, cim_ops=adds, bus_words=r, cycles=3 * r, cim_latency_ops=adds)
    # search: compare n words with a key
    if not cim:
        return Mix(reads=n, writes=0, cim_ops=0, bus_words=n, cycles=4 * n)
    return Mix(reads=0, writes=0, cim_ops=n, bus_words=rows + math.ceil(n / 32), cycles=3 * rows
               + math.ceil(n / 32), cim_latency_ops=n)


@dataclass(frozen=True)
class SystemResult:
    kernel: str
    memory_energy_j: float
    core_energy_j: float
    time_s: float
    mix: Mix

    @property
    def system_energy_j(self) -> float:
        return self.memory_energy_j + self.core_energy_j


def run_kernel(kernel: str, n: int = 4096, *, kind: str = "stt", differential: bool = False, cim: bool = False,
               array: ArrayKnobs | None = None, knobs: WriteKnobs | None = None, k_partial: int = 9) -> SystemResult:
    """Memory energy, core energy and execution time of ``kernel`` on one memory organisation."""
    a = array or ArrayKnobs()
    r = evaluate(kind, differential, a, knobs)
    c = cim_access_energy(kind, differential, a, knobs)
    s = section("array_45nm", "system")
    t_clk = s["clock_ns"] * 1e-9
    e_bus_word = s["word_bits"] * s["e_bus_per_bit_fj"] * 1e-15
    mix = kernel_mix(kernel, n, cim=cim, words_per_row=a.cols // a.word_bits, k_partial=k_partial)
    mem = mix.reads * r.read_energy_j + mix.writes * r.write_energy_j + mix.cim_ops * c["e_cim_j"] \
        + mix.bus_words * e_bus_word
    stall = lambda latency: max(0.0, math.ceil(latency / t_clk) - 1) * t_clk  # noqa: E731
    if cim:
        # the row of words is one access: CiM ops of a row proceed in parallel, writes of a row too
        per_row = a.cols // a.word_bits
        accesses = math.ceil(mix.cim_latency_ops / per_row)
        write_rows = math.ceil(mix.writes / per_row)
        time = mix.cycles * t_clk + accesses * c["t_cim_s"] + write_rows * r.write_latency_s
    else:
        time = mix.cycles * t_clk + mix.reads * stall(r.read_latency_s) + mix.writes * stall(r.write_latency_s)
    core = mix.cycles * s["e_core_per_cycle_pj"] * 1e-12
    return SystemResult(kernel, mem, core, time, mix)


def compare(kernel: str, n: int = 4096, *, kind: str = "stt", differential: bool = False, **kwargs) -> dict:
    """With vs without CiM on the same memory: memory-energy and time ratios (> 1 = CiM better)."""
    base = run_kernel(kernel, n, kind=kind, differential=differential, cim=False, **kwargs)
    cim = run_kernel(kernel, n, kind=kind, differential=differential, cim=True, **kwargs)
    return {
        "memory_energy_ratio": base.memory_energy_j / cim.memory_energy_j,
        "speedup": base.time_s / cim.time_s,
        "system_energy_ratio": base.system_energy_j / cim.system_energy_j,
        "base": base,
        "cim": cim,
    }
