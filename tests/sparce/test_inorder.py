"""The independent whole-stream in-order model against the block-pair model on real kernel streams."""

import numpy as np
import pytest

from workbench.sparce.emulator import Machine
from workbench.sparce.inorder import compare_call, stream_cycles
from workbench.sparce.network import calls_numpy, quantised_network
from workbench.sparce.pipeline import PipelineConfig

_LONG = PipelineConfig(mul_latency=8, neon_latency=8, load_latency=6, mul_interval=4, neon_interval=4,
                       branch_penalty=5)


@pytest.mark.parametrize("variant", ["scalar", "neon"])
@pytest.mark.parametrize("config", [PipelineConfig(), _LONG], ids=["default", "long-latency"])
def test_block_pair_timing_equals_the_whole_stream(variant, config):
    """The block-pair model forgets the pipeline state older than one block; on the kernels' real streams (with
    SparCE skipping the network's own zeros) nothing that old matters, at default and at long latencies."""
    net = quantised_network()
    machine = Machine(variant, config=config)
    for gemm in ("gemm", "gemm_blocked"):
        for layer, function, inputs, _ in calls_numpy(net, net.test_x[1], gemm=gemm):
            if layer == "conv2" or function == "fc":
                r = compare_call(machine, function, inputs)
                assert r["stream_cycles"] > 0 and r["block_pair_cycles"] == r["stream_cycles"], r


def test_stream_model_follows_the_latency_knobs():
    """The stream model is not a copy of one number: a slower multiplier and taken branches cost it more."""
    from workbench.sparce.ops import gemm

    rng = np.random.default_rng(0)
    W = rng.integers(-9, 9, (8, 12)).astype(np.int32)
    X = rng.integers(1, 9, (12, 16)).astype(np.int32)
    cycles = []
    for config in (PipelineConfig(), PipelineConfig(mul_interval=3), PipelineConfig(mul_interval=3, branch_penalty=8)):
        machine = Machine("scalar", sparce=False, config=config)
        _, trace = gemm(machine, W, X)
        cycles.append(stream_cycles(machine.program, machine.timer.executed, trace.keys, config))
    assert cycles[0] < cycles[1] < cycles[2]
