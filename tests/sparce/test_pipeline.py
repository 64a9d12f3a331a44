"""The in-order pipeline's hazards, the blocking cache and the timing breakdown, against hand counts."""

import numpy as np
import pytest

from workbench.sparce import ops
from workbench.sparce.emulator import Machine
from workbench.sparce.isa import Instr
from workbench.sparce.pipeline import PipelineConfig, _simulate, cache_misses


def _ins(cls, reads=(), writes=(), mem=0, addr=0):
    return Instr(addr, cls, "", cls, tuple(reads), tuple(writes), mem)


T = PipelineConfig().timing_key()   # alu 1, mul 3, load 2, neon 3, intervals 1, branch penalty 2


def test_independent_instructions_issue_one_per_cycle():
    seq = [(_ins("alu", ["x1"], ["x2"]), False), (_ins("alu", ["x3"], ["x4"]), False)]
    assert _simulate(seq, T) == (2, 0, 0)


def test_load_use_mul_and_structural_hazards():
    load_use = [(_ins("load", ["x0"], ["x1"], 4), False), (_ins("alu", ["x1"], ["x2"]), False)]
    assert _simulate(load_use, T) == (3, 1, 0)            # one bubble: load latency 2
    mul_dep = [(_ins("mul", ["x1"], ["x2"]), False), (_ins("alu", ["x2"], ["x3"]), False)]
    assert _simulate(mul_dep, T) == (4, 2, 0)             # MUL latency 3
    pair = [(_ins("load", ["x0"], ["v1"], 16), False), (_ins("alu", ["x5"], ["x6"]), False)]
    assert _simulate(pair, T) == (3, 0, 0)                # a 16-byte load holds the 8-byte port two cycles
    slow_mul = PipelineConfig(mul_interval=3).timing_key()
    muls = [(_ins("mul", ["x1"], ["x2"]), False), (_ins("mul", ["x3"], ["x4"]), False)]
    assert _simulate(muls, slow_mul) == (4, 2, 0)         # an unpipelined multiplier is a structural hazard


def test_taken_branch_costs_the_penalty():
    seq = [(_ins("branch"), True), (_ins("alu"), False)]
    assert _simulate(seq, T) == (4, 0, 2)


def test_blocking_lru_cache_counts():
    cfg = PipelineConfig(cache_kb=1, line_bytes=64, assoc=2)    # 16 lines, 8 sets
    seq = np.arange(0, 1024, 4, dtype=np.int64)
    four = np.full(len(seq), 4, dtype=np.int64)
    assert cache_misses(seq, four, cfg) == 16                 # compulsory misses, one per line
    twice = np.concatenate([seq, seq])
    assert cache_misses(twice, np.full(len(twice), 4, np.int64), cfg) == 16   # fits: the second pass hits
    conflict = np.array([0, 512, 1024, 0], dtype=np.int64)    # three lines in set 0 of a 2-way cache
    assert cache_misses(conflict, np.full(4, 4, np.int64), cfg) == 4
    crossing = np.array([60], dtype=np.int64)                 # an 8-byte access across a line boundary
    assert cache_misses(crossing, np.array([8], np.int64), cfg) == 2


def test_bad_config_names_the_field():
    with pytest.raises(ValueError, match="assoc"):
        PipelineConfig(assoc=0)
    with pytest.raises(ValueError, match="line_bytes"):
        PipelineConfig(line_bytes=48)
    with pytest.raises(ValueError, match="miss_penalty"):
        PipelineConfig(miss_penalty=-1)


def test_breakdown_adds_up_and_memory_is_misses_times_penalty():
    rng = np.random.default_rng(0)
    W = rng.integers(-9, 9, (8, 18)).astype(np.int32)
    X = rng.integers(0, 9, (18, 16)).astype(np.int32)
    for penalty in (0, 30):
        machine = Machine("scalar", sparce=False, config=PipelineConfig(miss_penalty=penalty))
        _, trace = ops.gemm(machine, W, X)
        t = machine.timing([trace])
        assert t["cycles"] == t["compute_cycles"] + t["control_cycles"] + t["memory_cycles"]
        assert t["memory_cycles"] == penalty * t["misses"] and t["misses"] > 0
        assert t["compute_cycles"] >= t["instructions"] and t["skipped"] == 0
