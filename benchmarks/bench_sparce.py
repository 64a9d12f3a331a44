"""SparCE side by side: emulation speed (instructions/s) per hook configuration, and the trace model against the
emulated run on whole inferences (identical cycles, speed-up).

1. A -O2 scalar GEMM (16x64x64 by default, 50 % zero activations) in Unicorn: no hooks; block hooks (timing);
   block + SASA region hooks with real skipping; the same plus the data-memory hook (cache); instructions per
   second counted as instructions executed + skipped.
2. One digits-CNN inference per variant (scalar, NEON) emulated with SparCE (all hooks) and evaluated by the
   trace model on the same input: cycles must be identical; the ratio of times is the trace model's speed-up
   (recording and cost tables warm, as in the interactive study). Times are the best of a few runs: the
machine is shared.

    python benchmarks/bench_sparce.py [--m 16 --k 64 --n 64] [--repeats 20]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from unicorn import UC_ARCH_ARM64, UC_MODE_ARM, Uc
from unicorn import arm64_const as A

from workbench.sparce import ops
from workbench.sparce.emulator import HEAP, STACK_TOP, Machine
from workbench.sparce.isa import load_program
from workbench.sparce.network import emulate_inference, quantised_network
from workbench.sparce.trace import TraceModel


def _raw_unicorn(W, X) -> float:
    """Seconds for the GEMM in a bare Unicorn (no hooks at all)."""
    program = load_program("scalar")
    uc = Uc(UC_ARCH_ARM64, UC_MODE_ARM)
    uc.mem_map(0, 0x10000)
    uc.mem_map(program.text_address, 0x10000)
    uc.mem_write(program.text_address, program.code)
    uc.mem_map(STACK_TOP - (1 << 20), 1 << 20)
    uc.mem_map(HEAP, 16 << 20)
    M, K = W.shape
    N = X.shape[1]
    aw, ax = HEAP, HEAP + (1 << 20)
    ay = HEAP + (4 << 20)
    uc.mem_write(aw, np.ascontiguousarray(W.T).tobytes())
    uc.mem_write(ax, X.tobytes() + bytes(8 * N))
    for i, a in enumerate((aw, ax, M, K, N, ay)):
        uc.reg_write(getattr(A, f"UC_ARM64_REG_X{i}"), a)
    uc.reg_write(A.UC_ARM64_REG_SP, STACK_TOP - 16)
    uc.reg_write(A.UC_ARM64_REG_X30, 0xF000)
    t = time.perf_counter()
    uc.emu_start(program.symbols["gemm"]["address"], 0xF000)
    elapsed = time.perf_counter() - t
    got = np.frombuffer(uc.mem_read(ay, 4 * M * N), dtype=np.int32).reshape(M, N)
    assert np.array_equal(got, W @ X)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--m", type=int, default=16)
    parser.add_argument("--k", type=int, default=64)
    parser.add_argument("--n", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=20, help="timed trace-model evaluations")
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    W = rng.integers(-50, 50, (args.m, args.k)).astype(np.int32)
    X = rng.integers(1, 50, (args.k, args.n)).astype(np.int32)
    X[rng.random(X.shape) < 0.5] = 0
    base = Machine("scalar", sparce=False, memory_hook=False)
    _, trace = ops.gemm(base, W, X)       # warm the translation cache once
    total = base.timing([trace])["instructions"]
    print(f"scalar GEMM {args.m}x{args.k}x{args.n}, 50 % zero activations: {total} instructions without SparCE")
    rows = [("no hooks (bare Unicorn)", min(_raw_unicorn(W, X) for _ in range(3)), total)]
    for label, sparce, memory in (("block hooks (timing)", False, False),
                                  ("block + SASA region hooks, skipping", True, False),
                                  ("block + region + memory hooks", True, True)):
        machine = Machine("scalar", sparce=sparce, memory_hook=memory)
        elapsed = float("inf")
        for _ in range(3):   # best of three warm runs (the first also translates the code)
            t = time.perf_counter()
            y, trace = ops.gemm(machine, W, X)
            elapsed = min(elapsed, time.perf_counter() - t)
        assert np.array_equal(y, W @ X)
        timing = machine.timing([trace])
        rows.append((label, elapsed, timing["instructions"] + timing["skipped"]))
    print(f"{'emulation':<40}{'seconds':>9}{'M instr/s':>11}")
    for label, elapsed, n in rows:
        print(f"{label:<40}{elapsed:>9.3f}{n / elapsed / 1e6:>11.2f}")

    net = quantised_network()
    image = net.test_x[0]
    print("\ndigits CNN inference (test image 0), SparCE on, default core and 64-entry 4-way SASA")
    print(f"{'variant':<8}{'instr':>9}{'skipped':>9}{'emulated cycles':>17}{'trace cycles':>14}{'emu s':>8}"
          f"{'trace ms':>10}{'speed-up':>10}")
    for variant in ("scalar", "neon"):
        machine = Machine(variant, sparce=True)
        emu_s = float("inf")
        for _ in range(2):   # best of two (the first also translates the code)
            t = time.perf_counter()
            calls, _, traces = emulate_inference(machine, net, image)
            emu_s = min(emu_s, time.perf_counter() - t)
        emulated = machine.timing(traces)
        model = TraceModel(variant, sparce=True)
        plain = [(f, inputs) for _, f, inputs, _ in calls]
        model.run(plain)   # records and cost tables (cached, as in the study)
        trace_s = float("inf")
        for _ in range(args.repeats):
            t = time.perf_counter()
            modelled = model.run(plain)
            trace_s = min(trace_s, time.perf_counter() - t)
        assert modelled == emulated, (modelled, emulated)
        print(f"{variant:<8}{emulated['instructions']:>9}{emulated['skipped']:>9}{emulated['cycles']:>17}"
              f"{modelled['cycles']:>14}{emu_s:>8.2f}{trace_s * 1e3:>10.2f}{emu_s / trace_s:>9.0f}x")


if __name__ == "__main__":
    main()
