"""In-order single-issue pipeline timing, per basic block, and a blocking L1 data cache.

Model (a five-stage in-order core, IF ID EX MEM WB, the scalar cores SparCE targets, arXiv:1711.06315 Sec. 5):

- One instruction enters EX per cycle. It waits until every source register is ready: a result is ready
  ``latency`` cycles after its producer entered EX (ALU 1, load 2 -- one load-use bubble --, MUL/MAC 3, NEON 3:
  knobs), with full forwarding.
- Structural hazards: one 64-bit memory port (a 16-byte ``ldp``/``ldr q`` holds it 2 cycles); one multiplier and
  one NEON unit that accept a new operation every ``mul_interval`` / ``neon_interval`` cycles.
- Control: branches are predicted not taken; a taken branch costs ``branch_penalty`` bubbles. A SparCE skip is
  decided at fetch (pre-identification), so it costs nothing and the skipped instructions are never fetched.
- Memory: a blocking L1 data cache (size, line, associativity, LRU, write-allocate); a miss freezes the whole
  pipeline for ``miss_penalty`` cycles, so memory stalls add up as misses x penalty and never change the relative
  timing of the other instructions (that is what lets the SpRF in-flight rule below be static).
- SpRF visibility: a register's zero bit is written at WB, ``latency + 1`` cycles after EX; an instruction is
  fetched ``fetch_to_issue`` cycles before its EX. So a zero produced by instruction i is visible at the fetch of
  instruction p only when at least ``fetch_to_issue + latency_i + 1`` instructions issue from i to p (stalls in
  between only add time, so counting instructions is a sound bound).

Timing is evaluated per basic block: the cost of a block is the extra cycles it adds after the previous executed
block (``T(prev + block) - T(prev)`` from an empty pipeline), memoised per (previous block, its skip mask, block,
its skip mask). The emulator and the trace model both sum these costs, so they agree exactly on the same stream.
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass

import numpy as np

from workbench.core.knobs import Assumed, knob_field, validate_config

CLASSES = ("alu", "mul", "load", "store", "neon", "branch")


@dataclass(frozen=True)
class PipelineConfig:
    """Timing knobs of the in-order core and its L1 data cache."""

    alu_latency: int = knob_field(1, low=1, high=4, unit="cycles", label="ALU latency",
                                  help="ALU result latency (EX to use).")
    mul_latency: int = knob_field(3, low=1, high=8, unit="cycles", label="MUL latency",
                                  help="Scalar MUL/MAC result latency.",
                                  assumed=Assumed(2, 5, "[R] the paper's gem5 core is not specified to this level; "
                                                        "in-order ARMv8 cores multiply-accumulate in about 3-5 "
                                                        "cycles, a short multiplier in 2"))
    load_latency: int = knob_field(2, low=1, high=6, unit="cycles", label="load-to-use latency",
                                   help="Load-to-use latency on an L1 hit.",
                                   assumed=Assumed(2, 4, "[R] L1 load-to-use of small in-order cores: 2 cycles for a "
                                                         "short pipeline to 3-4 for the Cortex-A53 class"))
    neon_latency: int = knob_field(3, low=1, high=8, unit="cycles", label="NEON latency",
                                   help="NEON (4-lane) operation latency.",
                                   assumed=Assumed(2, 5, "[R] 4-lane integer multiply-accumulate on in-order ARMv8 "
                                                         "NEON units: about 3-5 cycles, 2 for simple lanes"))
    mul_interval: int = knob_field(1, low=1, high=4, unit="cycles", label="MUL issue interval",
                                   help="Cycles between two multiplies (1 = pipelined multiplier).")
    neon_interval: int = knob_field(1, low=1, high=4, unit="cycles", label="NEON issue interval",
                                    help="Cycles between two NEON operations.")
    branch_penalty: int = knob_field(2, low=0, high=20, unit="cycles", label="taken-branch penalty",
                                     help="Bubbles after a taken branch.",
                                     assumed=Assumed(0, 8, "[R] 0 with a branch target buffer that hits, up to the "
                                                           "front-end refill (about 8 cycles) of an 8-stage in-order "
                                                           "pipeline without one"))
    fetch_to_issue: int = knob_field(2, low=1, high=6, unit="cycles", label="fetch to EX",
                                     help="Cycles from fetch to EX (IF, ID): how early SparCE looks at the SpRF.",
                                     assumed=Assumed(2, 4, "[R] IF and ID of a 5-stage pipeline (2) up to the split "
                                                           "fetch and decode stages of an 8-stage one (4)"))
    cache_kb: int = knob_field(32, low=1, high=256, unit="KiB", label="L1 D-cache size", help="L1 data cache size.")
    line_bytes: int = knob_field(64, low=16, high=256, unit="B", label="cache line size", help="Cache line size.")
    assoc: int = knob_field(4, low=1, high=16, label="L1 ways", help="Cache associativity (ways).")
    miss_penalty: int = knob_field(12, low=0, high=400, unit="cycles", label="L1 miss penalty",
                                   help="Cycles the pipeline freezes per miss.",
                                   assumed=Assumed(8, 30, "[R] an L1 miss served by an on-chip L2: about 8-20 cycles "
                                                          "on small cores, up to 30 for a slower shared L2"))

    def __post_init__(self):
        validate_config(self)
        for name in ("line_bytes",):
            v = getattr(self, name)
            if v & (v - 1):
                raise ValueError(f"PipelineConfig.{name}={v} is not allowed; allowed: a power of two")
        lines = self.cache_kb * 1024 // self.line_bytes
        if lines % self.assoc or lines < self.assoc:
            raise ValueError(f"PipelineConfig.assoc={self.assoc} is not allowed with cache_kb={self.cache_kb} and "
                             f"line_bytes={self.line_bytes}: the {lines} lines must split into whole sets")

    def latency(self, cls: str) -> int:
        return {"alu": self.alu_latency, "mul": self.mul_latency, "load": self.load_latency, "neon": self.neon_latency,
                "store": 1, "branch": 1}[cls]

    def visibility_distance(self, cls: str) -> int:
        """Instructions that must issue from a producer of class ``cls`` to the fetch of a SASA entry."""
        return self.fetch_to_issue + self.latency(cls) + 1

    def timing_key(self) -> tuple:
        d = asdict(self)
        return tuple(d[k] for k in ("alu_latency", "mul_latency", "load_latency", "neon_latency", "mul_interval",
                                    "neon_interval", "branch_penalty"))

    def cache_key(self) -> tuple:
        return (self.cache_kb, self.line_bytes, self.assoc)


def _simulate(seq, timing: tuple) -> tuple[int, int, int]:
    """Cycles (total, data/structural stall cycles, control bubbles) of executing ``seq`` from an empty pipeline.

    ``seq`` is a list of (Instr, taken) where ``taken`` says control left the instruction to a non-sequential
    address because of a branch (a SparCE skip is not a branch and costs nothing).
    """
    alu, mul, load, neon, mul_ii, neon_ii, penalty = timing
    lat = {"alu": alu, "mul": mul, "load": load, "neon": neon, "store": 1, "branch": 1}
    ready: dict[str, int] = {}
    t = 0              # earliest cycle the next instruction may enter EX
    next_mul = next_neon = 0
    stalls = bubbles = 0
    for ins, taken in seq:
        e = t
        for r in ins.reads:
            if ready.get(r, 0) > e:
                e = ready[r]
        if ins.cls == "mul" and next_mul > e:
            e = next_mul
        if ins.cls == "neon" and next_neon > e:
            e = next_neon
        stalls += e - t
        slots = max(1, (ins.mem_bytes + 7) // 8)
        for w in ins.writes:
            ready[w] = e + lat[ins.cls]
        if ins.cls == "mul":
            next_mul = e + mul_ii
        elif ins.cls == "neon":
            next_neon = e + neon_ii
        t = e + slots
        if taken:
            t += penalty
            bubbles += penalty
    return t, stalls, bubbles


class BlockTimer:
    """Memoised block costs for one program and one timing configuration.

    A *key* is (block index, skip mask); the executed instructions of a key are the block's instructions minus
    the SASA regions whose bit is set in the mask. ``cost(prev_key, key)`` returns (cycles, stall cycles, control
    bubbles, instructions executed) that ``key`` adds after ``prev_key`` (``None`` for the first block of a call).
    """

    def __init__(self, program, regions_by_block: dict, config: PipelineConfig):
        self.program = program
        self.regions_by_block = regions_by_block   # block index -> list of (first, last) instruction indices
        self.timing = config.timing_key()
        self._executed: dict = {}
        self._cost: dict = {}

    def executed(self, key) -> list:
        if key not in self._executed:
            block_index, mask = key
            block = self.program.blocks[block_index]
            skip = set()
            for bit, (first, last) in enumerate(self.regions_by_block.get(block_index, ())):
                if mask >> bit & 1:
                    skip.update(range(first, last + 1))
            self._executed[key] = [ins for k, ins in enumerate(block.instrs) if k not in skip]
        return self._executed[key]

    def _seq(self, key, next_start):
        instrs = self.executed(key)
        last = instrs[-1]
        taken = last.is_branch and (last.always_taken or (next_start is not None and next_start != last.address + 4))
        return [(ins, False) for ins in instrs[:-1]] + [(last, taken)]

    def cost(self, prev_key, key) -> tuple[int, int, int, int]:
        pair = (prev_key, key)
        found = self._cost.get(pair)
        if found is not None:
            return found
        start = self.program.blocks[key[0]].start
        this = self._seq(key, None)
        # the block's own final branch is charged with the block that follows it; here only its issue slot counts
        this[-1] = (this[-1][0], False)
        if prev_key is None:
            t1, s1, b1 = _simulate(this, self.timing)
            found = (t1, s1, b1, len(this))
        else:
            prev = self._seq(prev_key, start)
            t0, s0, b0 = _simulate([(i, False) for i, _ in prev], self.timing)
            t1, s1, b1 = _simulate(prev + this, self.timing)
            found = (t1 - t0, s1 - s0, b1 - b0, len(this))
        self._cost[pair] = found
        return found

    def total(self, pair_counts: dict) -> dict:
        """Sum the costs of a {(prev_key, key): count} histogram into cycles and a breakdown."""
        cycles = stalls = bubbles = executed = 0
        for pair, n in pair_counts.items():
            c, s, b, e = self.cost(*pair)
            cycles += n * c
            stalls += n * s
            bubbles += n * b
            executed += n * e
        return {"cycles": cycles, "stall_cycles": stalls, "control_cycles": bubbles, "executed": executed}


def cache_misses(addresses: np.ndarray, sizes: np.ndarray, config: PipelineConfig, segments=None):
    """Misses of a blocking LRU write-allocate L1 on a stream of byte accesses (address, size), in order.

    With ``segments`` (lengths of consecutive parts of the stream, e.g. one per kernel call) the misses of each part
    are returned as a list (the cache state carries from one part to the next)."""
    seg = tuple(int(n) for n in segments) if segments is not None else (len(addresses),)
    per_segment = _cache_misses(addresses.tobytes(), sizes.tobytes(), config.cache_key(), seg)
    return list(per_segment) if segments is not None else per_segment[0]


@functools.lru_cache(maxsize=64)
def _cache_misses(addr_bytes: bytes, size_bytes: bytes, key: tuple, segments: tuple) -> tuple:
    cache_kb, line, assoc = key
    addresses = np.frombuffer(addr_bytes, dtype=np.int64)
    sizes = np.frombuffer(size_bytes, dtype=np.int64)
    owner = np.repeat(np.arange(len(segments)), segments)
    shift = line.bit_length() - 1
    first = addresses >> shift
    last = (addresses + sizes - 1) >> shift
    spans = last - first
    if spans.any():   # an access that crosses a line touches both lines, in order
        reps = spans + 1
        lines = np.repeat(first, reps) + (np.arange(int(reps.sum())) - np.repeat(np.cumsum(reps) - reps, reps))
        owner = np.repeat(owner, reps)
    else:
        lines = first
    misses = [0] * len(segments)
    if len(lines) == 0:
        return tuple(misses)
    keep = np.ones(len(lines), dtype=bool)
    keep[1:] = lines[1:] != lines[:-1]      # a repeated line is always a hit
    lines = lines[keep]
    owner = owner[keep]
    n_sets = cache_kb * 1024 // line // assoc
    sets: list[list[int]] = [[] for _ in range(n_sets)]
    for ln, who in zip(lines.tolist(), owner.tolist()):
        ways = sets[ln % n_sets]
        if ln in ways:
            if ways[-1] != ln:
                ways.remove(ln)
                ways.append(ln)
        else:
            misses[who] += 1
            if len(ways) == assoc:
                del ways[0]
            ways.append(ln)
    return tuple(misses)
