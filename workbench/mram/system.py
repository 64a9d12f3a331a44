"""System level: kernels as memory-access mixes, memory energy and execution time with and without CiM.

A kernel runs on an in-order 32-bit core (Nios II class, one instruction per cycle when memory does not stall) with
an MRAM data memory on an on-chip bus. Without CiM every operand is read over the bus into the core, computed and
stored back, one word per load or store; with CiM the core issues one vector CiM instruction per access of
``W = words_per_access`` words (STT-CiM's ISA/bus extension [R]; :class:`~workbench.mram.array.ArrayConfig` declares
the width once, and it also sets the sense amplifiers, drivers and area of the array), the operation happens at the
sense amplifiers and only results that the program needs leave the memory. Counts per kernel (``N`` elements of
32 bits):

==============  ======================================  =========================================================
kernel          baseline (per element)                  CiM (per element)
==============  ======================================  =========================================================
vadd            2 reads, 1 write, 3 bus words, 6 cycles 1 CiM ADD, 1 write; 3/W issue cycles, 1/W bus command
bitwise         same, XOR/AND/OR                        1 CiM op, 1 write
dnn_acc         K-1 adds of partial-sum vectors         K-1 CiM ADDs, K-1 writes (accumulate in place)
search          1 read, 1 bus word, 4 cycles (cmp, br)  1 CiM XOR against the key row, a 1-bit match flag per word
dnn_net         dnn_acc summed over the conv/linear layers of a trained network (see below)
sum             1 read, 1 bus word, 4 cycles (ld, add)  1/2 CiM ADD (word pairs), the pair sum to the core: 1 bus
                                                        word, 2 cycles (receive, add) per pair
dot             2 reads, 2 bus words, 7 cycles (2 ld,   1 CiM XOR, the word to the core: 1 bus word, 3 cycles
                xnor, popcount, add)                    (receive, popcount, add)
search_count    1 read, 1 bus word, 5 cycles (ld, cmp,  1 CiM XOR against the key; 1-bit flags, 3 cycles per 32
                add)                                    (receive, popcount, add)
==============  ======================================  =========================================================

All loops carry 2 cycles of pointer and branch overhead per element. The first five are element-wise (their results
are words of memory), the last three reductions (:data:`REDUCTIONS`: their results are consumed by the core, never
written). ``dot`` is the binary (XNOR-popcount) dot product of two n-word vectors, 32 one-bit elements per word
(binarised networks [R]: the near-SA logic has XOR but no multiplier); ``popcount`` is one core instruction [R].

Write-back policies (:data:`WRITE_BACK`), the same with and without CiM: ``always`` writes every result word in full;
``changed_bits`` reads the destination first and drives only the bits that change; ``consumed`` writes no final
result: the program consumes it at once (the core keeps it in a register; CiM returns it over the bus, 1 bus word
and 1 cycle per word). Under ``consumed`` the baseline ``dnn_acc`` accumulates each output in a register (K reads,
2 cycles per partial sum, 2 per output), and CiM still writes its K-2 intermediate sums (a CiM operand must be a
memory row); the final one goes to the core.

``dnn_net``: a VGG-8 (``workbench.nn.models.vgg``, width 0.25) trained on the digits (``workbench.datasets.digits``,
8x8; :func:`workbench.nn.train.fit_small`, seconds, measured once and cached) runs on 64 test digits; for
every conv/linear layer the output vector (C_out x H x W) is accumulated over
its input channels, one partial-sum vector per input channel that carries a nonzero activation for the image (an
all-zero channel after ReLU contributes nothing and is skipped by both versions). ``n`` scales the batch: the mix is
that of ``n / 64`` images' worth of the measured per-image average.

Memory energy = reads E_read(1 word) + writes E_write(1 word) without CiM; with CiM, ceil(ops / W) CiM accesses
E_cim(W words) + ceil(writes / W) write accesses E_write(W words); plus bus words E_bus. Time = cycles t_clk + memory
stalls (an access longer than a cycle stalls the core for the remainder); with CiM the accesses of an instruction
are serialised: ceil(ops / W) t_cim + ceil(writes / W) t_write. Access energies and latencies come from
:mod:`workbench.mram.array` and :mod:`workbench.mram.cim` for the chosen organisation.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass

from workbench.hardware.core import core_instruction
from workbench.hardware.memory import bus
from workbench.mram.array import ArrayConfig, evaluate, library_tech
from workbench.mram.cim import cim_access_energy
from workbench.mram.params import section
from workbench.mram.writepath import WriteConfig

ELEMENTWISE = ("vadd", "bitwise", "dnn_acc", "search", "dnn_net")
REDUCTIONS = ("sum", "dot", "search_count")
KERNELS = ELEMENTWISE + REDUCTIONS
#: ``"always"``: every bit of a result word is written; ``"changed_bits"``: a data-comparison write [R] reads the
#: destination word first and drives only the bits that change (Zhou et al., "Energy reduction for STT-RAM using early
#: write termination", ICCAD 2009, Sec. 3); ``"consumed"``: final results are used at once and never written (see
#: the module docs).
WRITE_BACK = ("always", "changed_bits", "consumed")
#: Share of a result word's bits that differ from the word they overwrite: independent, equally likely bits.
CHANGED_BIT_FRACTION = 0.5


@dataclass(frozen=True)
class Mix:
    """Memory-access mix of one kernel run."""

    reads: float
    writes: float
    cim_ops: float
    bus_words: float
    cycles: float
    cim_latency_ops: float = 0.0  # CiM word operations on the critical path (serialised per access)


#: Epochs of the digits VGG-8 behind ``dnn_net`` (:func:`workbench.nn.train.fit_small`).
NET_EPOCHS = 15


def _measure_layers(images: int, seed: int) -> tuple[tuple[str, int, float], ...]:
    import torch

    from workbench.datasets.digits import digits
    from workbench.nn.models import vgg
    from workbench.nn.trace import trace_layers
    from workbench.nn.train import fit_small

    splits = digits(seed=seed)
    torch.manual_seed(seed)
    model = vgg("vgg8", num_classes=10, in_channels=1, input_size=8, width_mult=0.25)
    model = fit_small(model, *splits.train.tensors, seed=seed, epochs=NET_EPOCHS)
    found: dict[str, tuple[int, float]] = {}
    for t in trace_layers(model, splits.test.tensors[0][:images]):
        if t.input.dim() == 4:  # channels with any nonzero activation, per image
            active = (t.input.abs().amax(dim=(2, 3)) > 0).float().sum(dim=1).mean()
        else:
            active = (t.input != 0).float().sum(dim=1).mean()
        found[t.name] = (math.prod(t.out_shape), float(active))
    return tuple((name, outputs, active) for name, (outputs, active) in found.items())


def _load_layers(path) -> tuple[tuple[str, int, float], ...]:
    from workbench.core.integrity import check_finite

    rows = json.loads(path.read_text())
    layers = tuple((str(name), int(outputs), float(active)) for name, outputs, active in rows)
    check_finite({"active channels": [active for _, _, active in layers]})  # json reads NaN and Infinity
    return layers


@functools.lru_cache(maxsize=4)
def network_layers(images: int = 64, seed: int = 0) -> tuple[tuple[str, int, float], ...]:
    """Per conv/linear layer of the trained digits VGG-8: (name, outputs per image, mean active input channels per
    image), measured from the network's activations on ``images`` test digits (cached in memory and in
    ``data/results/mram_dnn_net_<seed>_<images>_<epochs>.layers`` (JSON), checked against its ``.json`` sidecar)."""
    from workbench.core.caches import load_cached
    from workbench.core.integrity import write_with_sidecar
    from workbench.core.paths import data_dir

    path = data_dir() / "results" / f"mram_dnn_net_{seed}_{images}_{NET_EPOCHS}.layers"
    cached = load_cached(path, _load_layers, instead="retraining the digits VGG-8 (seconds)")
    if cached is not None:
        return cached
    layers = _measure_layers(images, seed)
    write_with_sidecar(path, json.dumps([list(row) for row in layers]).encode(),
                       {"seed": seed, "images": images, "epochs": NET_EPOCHS})
    return layers


def kernel_mix(kernel: str, n: int, *, cim: bool, words_per_access: int = 1, k_partial: int = 9,
               write_back: str = "always") -> Mix:
    """The access mix of ``kernel`` over ``n`` 32-bit elements, CiM instructions ``words_per_access`` words wide,
    results written back by ``write_back`` (see the module table; only ``"consumed"`` changes the counts)."""
    if kernel not in KERNELS:
        raise ValueError(f"kernel={kernel!r}; allowed: {KERNELS}")
    if write_back not in WRITE_BACK:
        raise ValueError(f"write_back={write_back!r}; allowed: {WRITE_BACK}")
    if int(n) < 1:
        raise ValueError(f"n={n!r} elements; allowed: >= 1")
    if kernel == "dnn_net":
        scale = n / 64
        parts = [kernel_mix("dnn_acc", outputs, cim=cim, words_per_access=words_per_access,
                            k_partial=max(2, round(active)), write_back=write_back)
                 for _, outputs, active in network_layers()]
        return Mix(*(scale * sum(getattr(p, f) for p in parts) for f in
                     ("reads", "writes", "cim_ops", "bus_words", "cycles", "cim_latency_ops")))
    width = words_per_access
    rows = math.ceil(n / width)  # CiM instructions
    consumed = write_back == "consumed"
    if kernel in ("vadd", "bitwise"):
        if not cim:
            return Mix(reads=2 * n, writes=0 if consumed else n, cim_ops=0, bus_words=(2 if consumed else 3) * n,
                       cycles=(5 if consumed else 6) * n)
        if consumed:   # results to the core over the bus
            return Mix(reads=0, writes=0, cim_ops=n, bus_words=rows + n, cycles=3 * rows + n, cim_latency_ops=n)
        return Mix(reads=0, writes=n, cim_ops=n, bus_words=rows, cycles=3 * rows, cim_latency_ops=n)
    if kernel == "dnn_acc":
        adds = (k_partial - 1) * n
        r = math.ceil(adds / width)
        if not cim:
            if consumed:   # one register accumulator per output
                return Mix(reads=k_partial * n, writes=0, cim_ops=0, bus_words=k_partial * n,
                           cycles=(2 * k_partial + 2) * n)
            return Mix(reads=2 * adds, writes=adds, cim_ops=0, bus_words=3 * adds, cycles=6 * adds)
        if consumed:   # intermediate sums stay CiM operands; the last one goes to the core
            return Mix(reads=0, writes=adds - n, cim_ops=adds, bus_words=r + n, cycles=3 * r + n,
                       cim_latency_ops=adds)
        return Mix(reads=0, writes=adds, cim_ops=adds, bus_words=r, cycles=3 * r, cim_latency_ops=adds)
    if kernel == "sum":
        if not cim:
            return Mix(reads=n, writes=0, cim_ops=0, bus_words=n, cycles=4 * n)
        pairs = math.ceil(n / 2)
        r = math.ceil(pairs / width)
        return Mix(reads=0, writes=0, cim_ops=pairs, bus_words=r + pairs, cycles=3 * r + 2 * pairs,
                   cim_latency_ops=pairs)
    if kernel == "dot":
        if not cim:
            return Mix(reads=2 * n, writes=0, cim_ops=0, bus_words=2 * n, cycles=7 * n)
        return Mix(reads=0, writes=0, cim_ops=n, bus_words=rows + n, cycles=3 * rows + 3 * n, cim_latency_ops=n)
    flags = math.ceil(n / 32)
    if kernel == "search_count":
        if not cim:
            return Mix(reads=n, writes=0, cim_ops=0, bus_words=n, cycles=5 * n)
        return Mix(reads=0, writes=0, cim_ops=n, bus_words=rows + flags, cycles=3 * rows + 3 * flags,
                   cim_latency_ops=n)
    # search: compare n words with a key, a match flag per word
    if not cim:
        return Mix(reads=n, writes=0, cim_ops=0, bus_words=n, cycles=4 * n)
    return Mix(reads=0, writes=0, cim_ops=n, bus_words=rows + flags, cycles=3 * rows + flags, cim_latency_ops=n)


def _times(count: float, cost: float) -> float:
    """``count`` accesses of ``cost`` each; none cost nothing, even on a memory that cannot be written (inf)."""
    return count * cost if count else 0.0


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


def bus_word_energy_j() -> float:
    """One word over the core-memory bus (``bus_length_mm``), priced by :func:`workbench.hardware.memory.bus`."""
    s = section("array_45nm", "system")
    return bus(s["word_bits"], s["bus_length_mm"], library_tech()).energy_fj * 1e-15


def core_cycle_energy_j() -> float:
    """The core's energy per cycle: one integer instruction of the component library's in-order core
    (:func:`workbench.hardware.core.core_instruction`, its data accesses priced by this memory instead)."""
    return core_instruction("alu", library_tech(), data_cache=False).energy_fj * 1e-15


def run_kernel(kernel: str, n: int = 4096, *, kind: str = "stt", differential: bool = False, cim: bool = False,
               array: ArrayConfig | None = None, knobs: WriteConfig | None = None, k_partial: int = 9,
               write_back: str = "always") -> SystemResult:
    """Memory energy, core energy and execution time of ``kernel`` on one memory organisation; ``write_back``
    (:data:`WRITE_BACK`) is how result words are written, the same with and without CiM: ``"changed_bits"`` adds
    a read of the destination before each write access (its energy and latency) and drives
    :data:`CHANGED_BIT_FRACTION` of the bits; ``"consumed"`` writes no final result (:func:`kernel_mix`)."""
    if write_back not in WRITE_BACK:
        raise ValueError(f"write_back={write_back!r}; allowed: {WRITE_BACK}")
    a = array or ArrayConfig()
    r = evaluate(kind, differential, a, knobs)
    c = cim_access_energy(kind, differential, a, knobs)
    s = section("array_45nm", "system")
    t_clk = s["clock_ns"] * 1e-9
    e_bus_word = bus_word_energy_j()
    width = a.words_per_access
    mix = kernel_mix(kernel, n, cim=cim, words_per_access=width, k_partial=k_partial, write_back=write_back)
    def stall(latency: float) -> float:
        """Cycles the core waits for an access (inf for a memory that cannot be written)."""
        return max(0.0, math.ceil(latency / t_clk) - 1) * t_clk if math.isfinite(latency) else math.inf

    compare_first = write_back == "changed_bits"
    bits = CHANGED_BIT_FRACTION if compare_first else 1.0
    if cim:
        # the words of one access are sensed, computed and written together
        accesses = math.ceil(mix.cim_latency_ops / width)
        write_accesses = math.ceil(mix.writes / width)
        e_write = r.write_energy_words_j(width, bits) + (r.read_energy_j if compare_first else 0.0)
        t_write = r.write_latency_s + (r.read_latency_s if compare_first else 0.0)
        mem = math.ceil(mix.cim_ops / width) * c["e_cim_j"] + _times(write_accesses, e_write)
        time = mix.cycles * t_clk + accesses * c["t_cim_s"] + _times(write_accesses, t_write)
    else:  # the core loads and stores one word at a time
        e_write = r.write_energy_words_j(1, bits) + (r.read_energy_words_j(1) if compare_first else 0.0)
        t_write = stall(r.write_latency_s) + (stall(r.read_latency_s) if compare_first else 0.0)
        mem = mix.reads * r.read_energy_words_j(1) + _times(mix.writes, e_write)
        time = mix.cycles * t_clk + mix.reads * stall(r.read_latency_s) + _times(mix.writes, t_write)
    mem += mix.bus_words * e_bus_word
    core = mix.cycles * core_cycle_energy_j()
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
