"""The AArch64 kernels, run in Unicorn, equal numpy on the same inputs (scalar and NEON builds, with and without
SparCE skipping); bad shapes raise a ValueError naming the shape."""

import json

import numpy as np
import pytest

from workbench.sparce import ops
from workbench.sparce.emulator import HEAP_BYTES, Machine
from workbench.sparce.isa import IN_FLIGHT_KERNELS, KERNEL_DIR, KERNELS, MAC_KERNELS, VARIANTS, load_program


def _sparse(rng, shape, density, high=60):
    x = rng.integers(1, high, shape).astype(np.int32)
    x[rng.random(shape) >= density] = 0
    return x


@pytest.mark.parametrize("variant", VARIANTS)
def test_committed_binaries_carry_their_symbols_and_build_command(variant):
    meta = json.loads((KERNEL_DIR / f"sparce_{variant}.json").read_text())
    assert set(KERNELS) <= set(meta["symbols"])
    assert "aarch64-linux-gnu-gcc" in meta["command"] and "-O2" in meta["command"]
    assert ("-mgeneral-regs-only" in meta["command"]) == (variant == "scalar")
    program = load_program(variant)
    mnemonics = {i.mnemonic for i in program.instrs.values()}
    if variant == "scalar":
        assert not any(r.startswith("v") for i in program.instrs.values() for r in i.reads + i.writes)
        assert "madd" in mnemonics
    else:
        assert "mla" in mnemonics


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("sparce", [False, True])
def test_gemm_and_fc_equal_numpy(variant, sparce):
    rng = np.random.default_rng(1)
    machine = Machine(variant, sparce=sparce)
    for (M, K, N) in [(4, 1, 4), (8, 9, 12), (16, 27, 16)]:
        W = rng.integers(-60, 60, (M, K)).astype(np.int32)
        X = _sparse(rng, (K, N), 0.5)
        for function in ("gemm", "gemm_naive", "gemm_blocked"):
            Y, _ = ops.gemm(machine, W, X, function)
            np.testing.assert_array_equal(Y, W @ X)
    for (M, K) in [(16, 1), (32, 33)]:
        W = rng.integers(-60, 60, (M, K)).astype(np.int32)
        x = _sparse(rng, K, 0.4)
        y, _ = ops.fc(machine, W, x)
        np.testing.assert_array_equal(y, W @ x)


@pytest.mark.parametrize("variant", VARIANTS)
def test_glue_kernels_equal_numpy(variant):
    rng = np.random.default_rng(2)
    machine = Machine(variant)
    x = _sparse(rng, (3, 6, 8), 0.6)
    for k, pad in [(3, 1), (3, 0), (1, 0)]:
        cols, _ = ops.im2col(machine, x, k, pad)
        np.testing.assert_array_equal(cols, ops.im2col_ref(x, k, pad))
    y = rng.integers(-5000, 5000, (4, 10)).astype(np.int32)
    b = rng.integers(-300, 300, 4).astype(np.int32)
    out, _ = ops.bias_relu(machine, y, b, 3)
    np.testing.assert_array_equal(out, ops.bias_relu_ref(y, b, 3))
    pooled, _ = ops.maxpool2(machine, x)
    np.testing.assert_array_equal(pooled, ops.maxpool2_ref(x))
    v = rng.integers(-9, 9, 16).astype(np.int32)
    added, _ = ops.bias_add(machine, v, b.repeat(4))
    np.testing.assert_array_equal(added, v + b.repeat(4))


def test_bad_shapes_and_memory_map_raise_naming_them():
    machine = Machine("scalar")
    with pytest.raises(ValueError, match="M=6"):
        ops.gemm(machine, np.ones((6, 4), np.int32), np.ones((4, 4), np.int32))
    with pytest.raises(ValueError, match="N=5"):
        ops.gemm(machine, np.ones((4, 4), np.int32), np.ones((4, 5), np.int32))
    with pytest.raises(ValueError, match="M=8 outputs"):
        ops.fc(Machine("neon"), np.ones((8, 4), np.int32), np.ones(4, np.int32))
    with pytest.raises(ValueError, match="do not fit the emulator"):
        machine.alloc(np.zeros(HEAP_BYTES // 4 + 1, np.int32), "huge")
    with pytest.raises(ValueError, match="kernel='conv9'"):
        machine.call("conv9")
    with pytest.raises(ValueError, match="variant='sve'"):
        load_program("sve")


def _data_macs(machine, trace) -> int:
    """Executed multiply-accumulates on data (32-bit ``madd`` or vector ``mla``; 64-bit ``madd`` is address math)."""
    return sum(1 for key in trace.keys for ins in machine.timer.executed(key)
               if (ins.mnemonic == "madd" and ins.op_str.startswith("w")) or ins.mnemonic.startswith("mla"))


@pytest.mark.parametrize("variant", VARIANTS)
def test_mac_kernels_are_every_kernel_the_region_finder_takes_macs_in(variant):
    """The registry the zero-input test below loops over is complete: every kernel of the binary with an instruction
    the region finder takes as a MAC is in MAC_KERNELS and vice versa, and inside a MAC kernel every data
    multiply-accumulate (32-bit ``madd``, vector ``mla``) is taken as one (the old fc ``madd w10, w2, w10, w23`` was
    not)."""
    program = load_program(variant)
    assert {b.function for b in program.blocks} == set(KERNELS)
    taken = {b.function for b in program.blocks for ins in b.instrs if ins.mac_acc is not None}
    assert taken == set(MAC_KERNELS)
    missed = [f"{b.function}: {ins}" for b in program.blocks if b.function in MAC_KERNELS for ins in b.instrs
              if ((ins.mnemonic == "madd" and ins.op_str.startswith("w")) or ins.mnemonic.startswith("mla"))
              and ins.mac_acc is None]
    assert not missed


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("function", sorted(MAC_KERNELS))
def test_every_mac_skips_on_all_zero_activations(variant, function):
    """Registry-looped over every MAC kernel: on all-zero activations SparCE leaves no data MAC executed (the fc
    kernel once compiled to ``madd w10, w2, w10, w23``, an accumulate into a fresh register that is no skippable
    no-op, and skipped nothing). The in-flight control kernel skips none, and nonzero inputs skip nothing."""
    rng = np.random.default_rng(3)
    on, off = Machine(variant, sparce=True), Machine(variant, sparce=False)
    M, K, N = (16, 37, 12)
    W = rng.integers(-60, 60, (M, K)).astype(np.int32)
    if function == "fc":
        zero, dense = np.zeros(K, np.int32), rng.integers(1, 60, K).astype(np.int32)
        run = lambda machine, x: ops.fc(machine, W, x)  # noqa: E731
    else:
        zero, dense = np.zeros((K, N), np.int32), rng.integers(1, 60, (K, N)).astype(np.int32)
        run = lambda machine, x: ops.gemm(machine, W, x, function)  # noqa: E731
    _, base = run(off, zero)
    y, skipped = run(on, zero)
    assert not y.any()
    all_macs = _data_macs(off, base)
    assert all_macs >= M * K * (1 if function == "fc" else N) // (4 if variant == "neon" else 1)
    if function in IN_FLIGHT_KERNELS:
        assert skipped.skipped == 0 and _data_macs(on, skipped) == all_macs
    else:
        assert _data_macs(on, skipped) == 0 and skipped.skipped >= all_macs
    y, none = run(on, dense)
    assert none.skipped == 0 and _data_macs(on, none) == all_macs


@pytest.mark.parametrize("variant", VARIANTS)
def test_blocked_gemm_equals_numpy_across_block_edges(variant):
    """gemm_blocked packs 64 x 32 blocks: shapes that cross the K, N and M block edges, M not a tile multiple."""
    rng = np.random.default_rng(4)
    machine = Machine(variant)
    for (M, K, N) in [(4, 1, 4), (20, 70, 36), (64, 130, 68)]:
        W = rng.integers(-60, 60, (M, K)).astype(np.int32)
        X = _sparse(rng, (K, N), 0.5)
        Y, trace = ops.gemm(machine, W, X, "gemm_blocked")
        np.testing.assert_array_equal(Y, W @ X)
        assert trace.skipped > 0
