"""SparCE's static side: find skippable regions in the disassembly and fill a finite SASA table.

A *skippable region* is a run of contiguous multiply-accumulates inside one basic block whose only effect is an
accumulation ``acc += a * b`` that is a no-op when a multiplicand is zero (arXiv:1711.06315, Sec. 3: "skip a set
of future instructions that use it"). The pass walks each block's MAC runs and splits them greedily into groups
that share a multiplicand register; a one-MAC group is gated by either multiplicand (condition OR), a longer group
by the register all its MACs share. ``merge_and=True`` merges two adjacent groups into one region gated by both
registers being zero (condition AND), the SASA's other condition.

The SASA entry sits at the PC of the instruction *before* the region, as in the paper. Pre-identification at
fetch: when the fetch unit computes the next fetch address and it is the start of a resident region (the entry's
PC + 4) whose condition holds on the SpRF, it fetches from the region's end instead; the skipped instructions are
never fetched. Looking the table up by the next fetch address (rather than only after fetching the entry
instruction itself) lets adjacent regions chain: the scalar GEMM's region for pixel n+1 starts where the region of
pixel n ends, and its entry instruction is the last MAC of that region, which is not fetched when that region is
skipped. Control flow is never inside a region (regions live inside one basic block, which ends at its only branch)
and the entry instruction is in the same block.

In-flight zeros: the SpRF bit is written at WB. An entry whose gating register may still be in flight when the
entry is fetched (some CFG path reaches it from the register's last writer in fewer instructions than
:meth:`PipelineConfig.visibility_distance`) can never fire: the hardware sees a pending write and does not skip.
The pass marks such entries ``visible=False``; they occupy the table but never skip.

Table: ``size`` entries, ``assoc`` ways, set = (PC / 4) mod (size / assoc). When a set is oversubscribed the
entries skipping the most instructions stay (ties: lower PC), the rest are left out.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from workbench.sparce.isa import Program, load_program
from workbench.sparce.pipeline import PipelineConfig


@dataclass(frozen=True)
class SasaEntry:
    """One SASA entry: {PC, rs1, rs2, condition, n_skip} plus where its region is in the program."""

    pc: int                 # the entry instruction (the one before the region)
    rs1: str
    rs2: str
    condition: str          # "OR" (rs1 or rs2 zero) or "AND" (both zero); rs1 == rs2 gates on one register
    n_skip: int
    block: int              # basic block index
    first: int              # index of the region's first instruction in the block
    visible: bool = True    # False: the gating register can be in flight at fetch, so it never fires

    @property
    def region_start(self) -> int:
        return self.pc + 4

    @property
    def region_end(self) -> int:
        return self.pc + 4 * (self.n_skip + 1)

    def holds(self, zero1: bool, zero2: bool) -> bool:
        return (zero1 or zero2) if self.condition == "OR" else (zero1 and zero2)


def _groups(run):
    """Greedy split of a MAC run [(index, Instr)] into groups sharing a multiplicand."""
    groups, current, common = [], [], set()
    for k, ins in run:
        ops = set(ins.mac_ops)
        if current and (common & ops):
            common &= ops
            current.append(k)
        else:
            if current:
                groups.append((current, common))
            current, common = [k], ops
    if current:
        groups.append((current, common))
    return groups


def _min_distance(program: Program, block: int, index: int, reg: str, need: dict, skippable: dict) -> int:
    """Fewest instructions that surely issue from the last writer of ``reg`` to instruction ``index`` of
    ``block`` over all CFG paths (capped at the largest distance that matters); instructions of regions that may be
    skipped do not count. ``need`` maps a writer's class to the distance it needs."""
    cap = max(need.values())
    best = cap
    stack = [(block, index, 0)]
    seen = set()
    while stack:
        b, i, dist = stack.pop()
        instrs = program.blocks[b].instrs
        found = False
        for k in range(i, -1, -1):
            ins = instrs[k]
            if reg in ins.writes:
                best = min(best, dist if dist < need[ins.cls] else cap)
                found = True
                break
            if k not in skippable.get(b, ()):
                dist += 1
            if dist >= cap:
                found = True
                break
        if found:
            continue
        for p in program.preds[b]:
            if (p, dist) not in seen:
                seen.add((p, dist))
                stack.append((p, len(program.blocks[p].instrs) - 1, dist))
    return best


@functools.lru_cache(maxsize=64)
def find_regions(variant: str, fetch_to_issue: int = 2, latencies: tuple = (1, 3, 2, 3),
                 merge_and: bool = False) -> tuple[SasaEntry, ...]:
    """Every candidate SASA entry of the ``variant`` binary (all kernels), with its in-flight visibility."""
    program = load_program(variant)
    cfg = PipelineConfig(fetch_to_issue=fetch_to_issue, alu_latency=latencies[0], mul_latency=latencies[1],
                         load_latency=latencies[2], neon_latency=latencies[3])
    need = {cls: cfg.visibility_distance(cls) for cls in ("alu", "mul", "load", "store", "neon", "branch")}
    raw = []
    for block in program.blocks:
        run = []
        for k, ins in enumerate(block.instrs + (None,)):
            if ins is not None and ins.mac_acc is not None:
                run.append((k, ins))
                continue
            if run:
                groups = _groups(run)
                if merge_and:
                    merged, g = [], 0
                    while g < len(groups):
                        if g + 1 < len(groups) and len(groups[g][1]) == 1 and len(groups[g + 1][1]) == 1:
                            merged.append((groups[g][0] + groups[g + 1][0],
                                           {next(iter(groups[g][1])), next(iter(groups[g + 1][1]))}, "AND"))
                            g += 2
                        else:
                            merged.append((*groups[g], "OR"))
                            g += 1
                else:
                    merged = [(idx, common, "OR") for idx, common in groups]
                for idx, common, cond in merged:
                    first = idx[0]
                    if first == 0:
                        continue   # the entry must be in the same block
                    regs = sorted(common)
                    if cond == "AND":
                        rs1, rs2 = regs
                    else:
                        rs1, rs2 = (regs[0], regs[-1])
                    raw.append((block.index, first, len(idx), rs1, rs2, cond))
                run = []
    skippable: dict[int, set] = {}
    for b, first, n, *_ in raw:
        skippable.setdefault(b, set()).update(range(first, first + n))
    entries = []
    cap = max(need.values())
    for b, first, n, rs1, rs2, cond in raw:
        entry_index = first - 1
        shown = {reg: _min_distance(program, b, entry_index, reg, need, skippable) >= cap for reg in {rs1, rs2}}
        if cond == "OR" and rs1 != rs2 and shown[rs1] != shown[rs2]:
            # gate on the multiplicand whose zero bit is surely written back; the other one is still in flight
            rs1 = rs2 = rs1 if shown[rs1] else rs2
        visible = all(shown[r] for r in {rs1, rs2})
        pc = program.blocks[b].instrs[entry_index].address
        entries.append(SasaEntry(pc, rs1, rs2, cond, n, b, first, visible))
    return tuple(entries)


@dataclass(frozen=True)
class SasaTable:
    """A finite set-associative SASA table filled from the candidate entries."""

    size: int
    assoc: int
    entries: tuple[SasaEntry, ...]      # resident
    left_out: tuple[SasaEntry, ...]     # candidates that did not fit

    @property
    def by_region_start(self) -> dict:
        return {e.region_start: e for e in self.entries}


def build_table(candidates, size: int = 64, assoc: int = 4) -> SasaTable:
    """Fill a ``size``-entry, ``assoc``-way SASA table (ValueError naming the knob for a bad geometry)."""
    if not isinstance(size, int) or size < 1:
        raise ValueError(f"sasa_size={size!r} is not allowed; allowed: an integer >= 1 (a SASA table needs entries)")
    if not isinstance(assoc, int) or assoc < 1 or size % assoc:
        raise ValueError(f"sasa_assoc={assoc!r} is not allowed with sasa_size={size}; allowed: a divisor of "
                         "sasa_size >= 1")
    n_sets = size // assoc
    sets: dict[int, list] = {}
    for e in candidates:
        sets.setdefault((e.pc >> 2) % n_sets, []).append(e)
    resident, left = [], []
    for members in sets.values():
        members.sort(key=lambda e: (-e.n_skip, e.pc))
        resident += members[:assoc]
        left += members[assoc:]
    return SasaTable(size, assoc, tuple(sorted(resident, key=lambda e: e.pc)), tuple(sorted(left, key=lambda e: e.pc)))
