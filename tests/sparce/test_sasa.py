"""SpRF + SASA: the analysis finds the GEMM's regions, skipping is real and sound, in-flight zeros never skip,
0 % sparsity skips nothing and 100 % skips the analytic bound; a bad table is refused naming the knob."""

import numpy as np
import pytest

from workbench.sparce import ops
from workbench.sparce.emulator import Machine
from workbench.sparce.isa import IN_FLIGHT_KERNELS, MAC_KERNELS, load_program
from workbench.sparce.sasa import build_table, find_regions

M, K, N = 8, 18, 16


def _inputs(density, seed=0):
    rng = np.random.default_rng(seed)
    W = rng.integers(-50, 50, (M, K)).astype(np.int32)
    X = rng.integers(1, 50, (K, N)).astype(np.int32)
    X[rng.random((K, N)) >= density] = 0
    return W, X


@pytest.mark.parametrize("variant", ["scalar", "neon"])
def test_regions_are_mac_runs_inside_one_block_without_control_flow(variant):
    program = load_program(variant)
    entries = find_regions(variant)
    assert entries
    for e in entries:
        block = program.blocks[e.block]
        region = block.instrs[e.first:e.first + e.n_skip]
        assert all(i.mac_acc is not None and not i.is_branch for i in region)
        assert block.instrs[e.first - 1].address == e.pc and not block.instrs[e.first - 1].is_branch
        assert all(e.rs1 in i.mac_ops and e.rs2 in i.mac_ops for i in region)
    by_function = {program.function_of(e.pc) for e in entries if e.visible}
    assert set(MAC_KERNELS) - set(IN_FLIGHT_KERNELS) <= by_function and not set(IN_FLIGHT_KERNELS) & by_function


@pytest.mark.parametrize("variant", ["scalar", "neon"])
def test_zero_and_full_sparsity_bounds_and_identical_outputs(variant):
    W, X = _inputs(1.0)
    base = Machine(variant, sparce=False)
    sparce = Machine(variant, sparce=True)
    y0, t0 = ops.gemm(base, W, X)
    y1, t1 = ops.gemm(sparce, W, X)
    np.testing.assert_array_equal(y0, y1)
    assert t1.skipped == 0 and base.timing([t0])["cycles"] == sparce.timing([t1])["cycles"]
    zeros = np.zeros_like(X)
    y2, t2 = ops.gemm(sparce, W, zeros)
    np.testing.assert_array_equal(y2, np.zeros((M, N), np.int32))
    macs_per_instruction = 1 if variant == "scalar" else 4
    assert t2.skipped == M * N * K // macs_per_instruction       # every MAC instruction of the GEMM
    with_skip = sparce.timing([t2])
    assert with_skip["instructions"] == base.timing([t0])["instructions"] - t2.skipped


@pytest.mark.parametrize("variant", ["scalar", "neon"])
def test_skipping_is_real_and_outputs_stay_equal(variant):
    for density in (0.1, 0.5, 0.9):
        W, X = _inputs(density, seed=int(density * 10))
        y, trace = ops.gemm(Machine(variant), W, X)
        np.testing.assert_array_equal(y, W @ X)
        if variant == "scalar":     # one skip of 4 MACs per zero activation
            assert trace.skipped == 4 * (M // 4) * int((X == 0).sum())


def test_a_zero_still_in_flight_never_skips():
    """gemm_naive loads each activation right before its MACs: the SASA entry is fetched before the load writes
    back, so even an all-zero input skips nothing (the entries exist but are not visible)."""
    W, _ = _inputs(1.0)
    zeros = np.zeros((K, N), np.int32)
    for variant in ("scalar", "neon"):
        machine = Machine(variant)
        naive = [e for e in find_regions(variant) if load_program(variant).function_of(e.pc) == "gemm_naive"]
        assert naive and not any(e.visible for e in naive)
        y, trace = ops.gemm(machine, W, zeros, "gemm_naive")
        assert trace.skipped == 0
        np.testing.assert_array_equal(y, 0)
    # a deeper front end (more cycles from fetch to EX) hides some of the pipelined GEMM's zeros too
    def visible_in_gemm(**kw):
        program = load_program("scalar")
        return sum(e.visible for e in find_regions("scalar", **kw) if program.function_of(e.pc) == "gemm")
    assert visible_in_gemm(fetch_to_issue=6) < visible_in_gemm(fetch_to_issue=2)


def test_and_condition_skips_only_when_both_are_zero():
    W, X = _inputs(0.5, seed=3)
    machine = Machine("scalar", merge_and=True)
    gemm_and = [e for e in machine.table.entries if e.condition == "AND"]
    assert gemm_and
    y, trace = ops.gemm(machine, W, X)
    np.testing.assert_array_equal(y, W @ X)
    pairs = (X[:, 0::2] == 0) & (X[:, 1::2] == 0)        # the 4x2 register block pairs pixels (n, n+1)
    assert trace.skipped == 8 * (M // 4) * int(pairs.sum())


def test_finite_table_keeps_the_largest_regions_and_refuses_bad_sizes():
    candidates = find_regions("scalar")
    small = build_table(candidates, size=1, assoc=1)
    assert len(small.entries) == 1 and len(small.left_out) == len(candidates) - 1
    assert small.entries[0].n_skip == max(e.n_skip for e in candidates)
    with pytest.raises(ValueError, match="sasa_size=0"):
        build_table(candidates, size=0)
    with pytest.raises(ValueError, match="sasa_assoc=3"):
        build_table(candidates, size=8, assoc=3)
    W, X = _inputs(0.0)
    _, full = ops.gemm(Machine("scalar", sasa_size=64), W, X)
    _, tiny = ops.gemm(Machine("scalar", sasa_size=1, sasa_assoc=1), W, X)
    assert 0 < tiny.skipped < full.skipped


def test_scalar_skips_run_through_trampolines_and_neon_through_hooks():
    scalar, neon = Machine("scalar"), Machine("neon")
    assert scalar.trampolines == len(scalar.resident) > 0
    assert neon.trampolines == 0 and len(neon.resident) > 0


def test_conditional_branches_fall_through_in_the_cfg():
    program = load_program("scalar")
    conditional = [b for b in program.blocks if b.instrs[-1].mnemonic.startswith("b.")]
    assert conditional and all(len(b.succs) == 2 for b in conditional if b.instrs[-1].target != b.end)
    assert not any(b.instrs[-1].always_taken for b in conditional)
