"""An independent timing check: the executed instruction stream timed instruction by instruction, start to end.

The block-pair model (:class:`~workbench.sparce.pipeline.BlockTimer`) times a block from an empty pipeline after
its predecessor only, so any hazard reaching back more than one block (a load in block A used two blocks later, a
multiplier still busy) is forgotten, and the emulator and the trace model share that model, so their agreement does
not test it. Here the same in-order core (:class:`~workbench.sparce.pipeline.PipelineConfig`'s latencies, issue
intervals, branch penalty, 8-byte memory port) runs the whole stream with one scoreboard: each instruction enters
EX at the first cycle when the previous one has left its issue slot(s), every source register is ready, and its
functional unit accepts a new operation; a taken branch (the block's last instruction when the next executed block
does not follow it in memory) adds the penalty. Memory stalls (misses x penalty) are the same blocking-cache count
in both and are left out of the comparison.

The two models share only the input: the executed (block, skip mask) stream of a real run and the decoded
instructions. :func:`stream_cycles` is written without :func:`~workbench.sparce.pipeline._simulate`.
"""

from __future__ import annotations

from workbench.sparce.pipeline import PipelineConfig


def stream_cycles(program, executed, keys, config: PipelineConfig) -> int:
    """Issue cycles (no memory stalls) of the executed stream ``keys`` ((block index, skip mask) per executed
    block), with ``executed(key)`` listing the instructions a key runs (the skipped regions left out)."""
    latency = {"alu": config.alu_latency, "mul": config.mul_latency, "load": config.load_latency,
               "neon": config.neon_latency, "store": 1, "branch": 1}
    interval = {"mul": config.mul_interval, "neon": config.neon_interval}
    ready: dict[str, int] = {}
    unit_free = {"mul": 0, "neon": 0}
    blocks = program.blocks
    cycle = 0        # first cycle the next instruction may enter EX
    for position, key in enumerate(keys):
        instrs = executed(key)
        follower = blocks[keys[position + 1][0]].start if position + 1 < len(keys) else None
        for ins in instrs:
            start = cycle
            for reg in ins.reads:
                start = max(start, ready.get(reg, 0))
            if ins.cls in unit_free:
                start = max(start, unit_free[ins.cls])
                unit_free[ins.cls] = start + interval[ins.cls]
            for reg in ins.writes:
                ready[reg] = start + latency[ins.cls]
            cycle = start + max(1, -(-ins.mem_bytes // 8))
        last = instrs[-1]
        if last.is_branch and follower is not None and (last.always_taken or follower != last.address + 4):
            cycle += config.branch_penalty
    return cycle


def compare_call(machine, function: str, inputs: dict) -> dict:
    """One call run on ``machine``: the block-pair model's issue cycles (its total less memory stalls) next to
    :func:`stream_cycles` on the same executed stream, and their relative difference."""
    from workbench.sparce.network import run_call

    _, trace = run_call(machine, function, inputs)
    timing = machine.timing([trace])
    block_pair = timing["cycles"] - timing["memory_cycles"]
    stream = stream_cycles(machine.program, machine.timer.executed, trace.keys, machine.config)
    return {"function": function, "block_pair_cycles": block_pair, "stream_cycles": stream,
            "difference": (block_pair - stream) / stream}
