"""Run the kernels' machine code in Unicorn, with SparCE's SpRF/SASA skipping for real and block-level timing.

Memory map: code at the binary's text address, a data heap from ``HEAP`` (buffers placed by the host, 64-byte
aligned) of ``HEAP_BYTES``, a stack below ``STACK_TOP``. A call sets x0..x7 to its arguments, LR to a return
sentinel and runs until the sentinel.

Hooks (per executed block, not per instruction; measured speeds in ``benchmarks/bench_sparce.py``):

- a block hook at every static basic-block leader records the executed (block, skip mask) stream;
- a code hook only at the first instruction of each resident, visible SASA region (called before it executes, i.e.
  when the fetch unit is about to fetch the region) reads the gating register(s) (a vector register counts as zero
  only when all four lanes are) and, when the entry's condition holds, writes the PC past the region: the skipped
  instructions are not executed (and, in the timing model, never fetched). Writing the PC from a hook costs
  Unicorn ~10 us, so scalar entries instead get a trampoline: the region's first word branches to emulated code
  that tests the gating register with ``cbz`` and either runs the displaced MAC or jumps past the region; a hook
  sits only on the skip path, to record the skip (see :meth:`Machine._install_trampoline`). NEON entries (all four
  lanes zero) keep the Python hook, which needs no scratch register;
  Whether the zero was written back in time is static for the in-order pipeline (see :mod:`workbench.sparce.sasa`)
  so only visible entries are hooked;
- a memory hook on the data heap and stack records the data address stream for the L1 cache.
"""

from __future__ import annotations

import ctypes
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from unicorn import UC_ARCH_ARM64, UC_HOOK_BLOCK, UC_HOOK_CODE, UC_HOOK_MEM_READ, UC_HOOK_MEM_WRITE, UC_MODE_ARM, Uc
from unicorn import arm64_const as A
from unicorn.unicorn_py3.unicorn import HOOK_CODE_CFUNC, HOOK_MEM_ACCESS_CFUNC, uc_hook_h, uclib

from workbench.sparce.isa import load_program
from workbench.sparce.pipeline import BlockTimer, PipelineConfig, cache_misses
from workbench.sparce.sasa import SasaTable, build_table, find_regions

HEAP = 0x0100_0000
HEAP_BYTES = 64 << 20
STACK_TOP = 0x0080_0000
STACK_BYTES = 1 << 20
RETURN = 0x0000_f000          # sentinel return address (mapped, never executed)
TRAMPOLINES = 0x0000_8000     # SASA trampolines of scalar entries (below the code, outside the block hook's range)
_XREG = [getattr(A, f"UC_ARM64_REG_X{i}") for i in range(29)] + [A.UC_ARM64_REG_X29, A.UC_ARM64_REG_X30]
_QREG = [getattr(A, f"UC_ARM64_REG_Q{i}") for i in range(32)]


def _b(pc: int, target: int) -> int:
    return 0x14000000 | (((target - pc) >> 2) & 0x3FFFFFF)


def _cbz(pc: int, target: int, reg: int) -> int:
    return 0x34000000 | ((((target - pc) >> 2) & 0x7FFFF) << 5) | reg


def _cbnz(pc: int, target: int, reg: int) -> int:
    return 0x35000000 | ((((target - pc) >> 2) & 0x7FFFF) << 5) | reg


def reg_const(name: str) -> int:
    if name.startswith("x"):
        return _XREG[int(name[1:])]
    if name.startswith("v"):
        return _QREG[int(name[1:])]
    raise ValueError(f"register {name!r} cannot gate a SASA entry")


@dataclass
class CallTrace:
    """What one kernel call executed: the (block, mask) stream, the data accesses and the skip counts."""

    function: str
    keys: list = field(default_factory=list)           # (block index, mask) per executed block
    addresses: list = field(default_factory=list)
    sizes: list = field(default_factory=list)
    skipped: int = 0
    region_values: list = field(default_factory=list)  # (block execution, bit, candidate, rs1 value) when recording

    def pair_counts(self) -> Counter:
        prev = [None] + self.keys[:-1]
        return Counter(zip(prev, self.keys))


def _raw_hook(uc: Uc, kind: int, func, begin: int, end: int, cfunc=HOOK_CODE_CFUNC):
    """Add a hook through the C API with a ctypes callback (skips two Python frames of the binding per call)."""
    fptr = cfunc(func)
    handle = uc_hook_h()
    status = uclib.uc_hook_add(uc._uch, ctypes.byref(handle), kind, fptr, ctypes.c_void_p(0),
                               ctypes.c_uint64(begin), ctypes.c_uint64(end))
    if status:
        raise RuntimeError(f"uc_hook_add failed with status {status}")
    uc._callbacks[handle.value] = fptr
    return fptr


class Machine:
    """One AArch64 core in Unicorn with the kernels of ``variant`` loaded.

    Parameters
    ----------
    variant : {"scalar", "neon"}
    sparce : bool
        Skip regions (SpRF + SASA) or run the baseline core.
    sasa_size, sasa_assoc : int
        SASA table geometry.
    config : PipelineConfig
        Timing (its fetch-to-issue and latencies also decide which entries are visible).
    record_values : bool
        With ``sparce=False``: record the gating register's value at every candidate region's occurrences (the
        trace model's recording run).
    memory_hook : bool
        Record data addresses (needed for the cache; off for the pure emulation-speed benchmark).
    """

    def __init__(self, variant: str = "scalar", *, sparce: bool = True, sasa_size: int = 64, sasa_assoc: int = 4,
                 config: PipelineConfig | None = None, record_values: bool = False, memory_hook: bool = True,
                 merge_and: bool = False):
        self.program = load_program(variant)
        self.variant = variant
        self.config = config or PipelineConfig()
        c = self.config
        candidates = find_regions(variant, c.fetch_to_issue, (c.alu_latency, c.mul_latency, c.load_latency,
                                                              c.neon_latency), merge_and)
        self.candidates = candidates
        self.table: SasaTable = build_table(candidates, sasa_size, sasa_assoc)
        self.sparce = sparce
        self.record_values = record_values
        regions_by_block: dict[int, list] = {}
        for e in candidates:   # every candidate's bit position is fixed by its order in the block
            regions_by_block.setdefault(e.block, []).append((e.first, e.first + e.n_skip - 1))
        self._bit = {}
        for e in candidates:
            self._bit[e.region_start] = regions_by_block[e.block].index((e.first, e.first + e.n_skip - 1))
        self.timer = BlockTimer(self.program, regions_by_block, self.config)
        self.uc = Uc(UC_ARCH_ARM64, UC_MODE_ARM)
        uc = self.uc
        uc.mem_map(0, 0x10000)
        code = self.program.code
        uc.mem_map(self.program.text_address, (len(code) + 0xFFFF) & ~0xFFFF)
        uc.mem_write(self.program.text_address, code)
        uc.mem_map(STACK_TOP - STACK_BYTES, STACK_BYTES)
        uc.mem_map(HEAP, HEAP_BYTES)
        uc.reg_write(A.UC_ARM64_REG_CPACR_EL1, 0x300000)   # FP/SIMD enabled at EL0/EL1
        self._heap = HEAP
        self._trace: CallTrace | None = None
        starts = sorted(self.program.block_at)
        block_at = self.program.block_at
        tb_blocks: dict = {}
        self._blocks: list = []      # executed static block indices of the running call
        self._masks: dict = {}       # block execution -> skip mask (only where something was skipped)

        def on_block(handle, address, size, user):
            # A Unicorn translation block may run through several static blocks (fall-through into a branch
            # target); it starts at a non-leader after a skip. Record every static leader it covers, in order.
            found = tb_blocks.get(address << 16 | size)
            if found is None:
                lo = np.searchsorted(starts, address)
                hi = np.searchsorted(starts, address + size)
                found = tb_blocks[address << 16 | size] = tuple(block_at[a] for a in starts[lo:hi])
            self._blocks.extend(found)

        self._on_block = on_block
        # Block hooks everywhere in the code except where execution resumes after a region (a skip or a
        # trampoline) inside a block that ends with its own branch: a translation block starting there covers no
        # leader, so its callback would only cost time. (Unicorn also splits translation blocks at other points, so
        # every other address stays watched.)
        lo, hi = self.program.text_address, self.program.text_address + len(code)
        quiet = sorted({a for e in candidates if self.program.blocks[e.block].instrs[-1].is_branch
                        for a in (e.region_start + 4, e.region_end)})
        ranges, begin = [], lo
        for a in quiet:
            if begin <= a - 1:
                ranges.append((begin, a - 1))
            begin = a + 1
        ranges.append((begin, hi))
        self._on_block_fptrs = [_raw_hook(uc, UC_HOOK_BLOCK, on_block, a, b) for a, b in ranges]
        self.resident = [e for e in self.table.entries if e.visible]
        self.trampolines = 0
        if sparce:
            next_stub = TRAMPOLINES
            for e in self.resident:
                if e.rs1.startswith("x") and e.rs2.startswith("x"):
                    next_stub = self._install_trampoline(e, next_stub)
                else:
                    _raw_hook(uc, UC_HOOK_CODE, self._make_region_hook(e), e.region_start, e.region_start)
        elif record_values:   # every candidate, visible or not: the trace model decides which may fire
            for index, e in enumerate(candidates):
                _raw_hook(uc, UC_HOOK_CODE, self._make_value_hook(e, index), e.region_start, e.region_start)
        if memory_hook:
            def on_mem(handle, access, address, size, value, user):
                t = self._trace
                t.addresses.append(address)
                t.sizes.append(size)

            _raw_hook(uc, UC_HOOK_MEM_READ | UC_HOOK_MEM_WRITE, on_mem, 1, 0, HOOK_MEM_ACCESS_CFUNC)

    def _reader(self, name: str):
        """A fast reader of a gating register's value: low 32 bits of an x register, all 128 bits of a v register."""
        uch, rid = self.uc._uch, reg_const(name)
        read = uclib.uc_reg_read
        if name.startswith("x"):
            box = ctypes.c_uint64()
            ref = ctypes.byref(box)

            def value():
                read(uch, rid, ref)
                return box.value & 0xFFFFFFFF
        else:
            box = (ctypes.c_uint64 * 2)()
            ref = ctypes.byref(box)

            def value():
                read(uch, rid, ref)
                return box[0] | box[1] << 64
        return value

    def _make_region_hook(self, e):
        value1, value2 = self._reader(e.rs1), self._reader(e.rs2)
        one = e.rs1 == e.rs2
        bit = 1 << self._bit[e.region_start]
        n = e.n_skip
        and_cond = e.condition == "AND"
        block = e.block
        uch = self.uc._uch
        write = uclib.uc_reg_write
        pc_ref = ctypes.byref(ctypes.c_uint64(e.region_end))
        pc_reg = A.UC_ARM64_REG_PC

        def hook(handle, address, size, user):
            v1 = value1()
            if one:
                zero = v1 == 0
            elif and_cond:
                zero = v1 == 0 and value2() == 0
            else:
                zero = v1 == 0 or value2() == 0
            if zero:   # SpRF says zero and the SASA entry's condition holds: fetch continues past the region
                blocks = self._blocks
                i = len(blocks) - 1
                while blocks[i] != block:
                    i -= 1
                masks = self._masks
                masks[i] = masks.get(i, 0) | bit
                if i + 1 < len(blocks):
                    del blocks[i + 1:]   # later blocks of this translation block are re-recorded on resumption
                t = self._trace
                t.skipped += n
                write(uch, pc_reg, pc_ref)

        return hook

    def _install_trampoline(self, e, at: int) -> int:
        """Scalar entries: the SASA check runs as emulated code, so no Python callback or PC write is needed when the
        region executes. The region's first word becomes ``b tramp``; the trampoline tests the gating w register(s)
        (``cbz``/``cbnz``: the skip decision, made on the architectural value as the SpRF bit would be), then either
        runs the displaced MAC and branches back, or goes to a stub that branches to the region's end. Only the
        stub carries a hook (it records the skip for the timing model). Timing and decoding use the original code,
        so the trampoline's own instructions cost nothing, as the SASA lookup costs nothing in hardware."""
        uc = self.uc
        r1, r2 = int(e.rs1[1:]), int(e.rs2[1:])
        original = bytes(uc.mem_read(e.region_start, 4))
        words = []
        stub = at + 4 * (5 if e.condition == "AND" or r1 != r2 else 4)

        def here():
            return at + 4 * len(words)

        if r1 == r2:
            words.append(_cbz(here(), stub, r1))
        elif e.condition == "OR":
            words.append(_cbz(here(), stub, r1))
            words.append(_cbz(here(), stub, r2))
        else:   # AND: skip only when both are zero
            words.append(_cbnz(here(), here() + 8, r1))
            words.append(_cbz(here(), stub, r2))
        words.append(int.from_bytes(original, "little"))
        words.append(_b(here(), e.region_start + 4))
        if here() != stub:
            words.append(0xD503201F)   # nop (keeps the stub where the branches point)
        assert here() == stub
        words.append(_b(here(), e.region_end))
        uc.mem_write(at, b"".join(w.to_bytes(4, "little") for w in words))
        uc.mem_write(e.region_start, _b(e.region_start, at).to_bytes(4, "little"))
        _raw_hook(uc, UC_HOOK_CODE, self._make_skip_hook(e), stub, stub)
        self.trampolines += 1
        return here() + 4

    def _make_skip_hook(self, e):
        bit = 1 << self._bit[e.region_start]
        n = e.n_skip
        block = e.block

        def hook(handle, address, size, user):
            blocks = self._blocks
            i = len(blocks) - 1
            while blocks[i] != block:
                i -= 1
            masks = self._masks
            masks[i] = masks.get(i, 0) | bit
            self._trace.skipped += n

        return hook

    def _make_value_hook(self, e, index):
        value = self._reader(e.rs1)
        bit = self._bit[e.region_start]
        block = e.block

        def hook(handle, address, size, user):
            blocks = self._blocks
            i = len(blocks) - 1
            while blocks[i] != block:
                i -= 1
            self._trace.region_values.append((i, bit, index, value()))

        return hook

    # -- memory -----------------------------------------------------------------------------------------------
    def reset_heap(self) -> None:
        self._heap = HEAP

    def alloc(self, array: np.ndarray, name: str = "buffer", guard: int = 0) -> int:
        """Copy an int32 array onto the heap (plus ``guard`` readable int32 slack after it); its address."""
        data = np.ascontiguousarray(array, dtype=np.int32)
        nbytes = data.nbytes + 4 * guard
        address = (self._heap + 63) & ~63
        if address + nbytes > HEAP + HEAP_BYTES:
            raise ValueError(f"{name}: {nbytes} bytes do not fit the emulator's {HEAP_BYTES >> 20} MiB data heap "
                             f"({address - HEAP} bytes already used); use a smaller shape")
        self.uc.mem_write(address, data.tobytes() + bytes(4 * guard))
        self._heap = address + nbytes
        return address

    def read(self, address: int, shape) -> np.ndarray:
        count = int(np.prod(shape))
        return np.frombuffer(self.uc.mem_read(address, 4 * count), dtype=np.int32).reshape(shape).copy()

    # -- calls ------------------------------------------------------------------------------------------------
    def call(self, function: str, *args: int) -> CallTrace:
        """Run ``function(*args)`` (integers and heap addresses) to its return; the call's trace."""
        sym = self.program.symbols.get(function)
        if sym is None:
            raise ValueError(f"kernel={function!r} is not allowed; allowed: {sorted(self.program.symbols)}")
        uc = self.uc
        for i, a in enumerate(args):
            uc.reg_write(_XREG[i], int(a) & 0xFFFFFFFFFFFFFFFF)
        uc.reg_write(A.UC_ARM64_REG_SP, STACK_TOP - 16)
        uc.reg_write(A.UC_ARM64_REG_X30, RETURN)
        self._trace = CallTrace(function)
        self._blocks = []
        self._masks = {}
        uc.emu_start(sym["address"], RETURN)
        trace = self._trace
        masks = self._masks
        trace.keys = [(b, masks.get(i, 0)) for i, b in enumerate(self._blocks)]
        return trace

    def timing(self, traces: list[CallTrace]) -> dict:
        """Cycles and breakdown of a sequence of calls (the cache state carries across them)."""
        return timing_of(self.timer, self.config, [t.pair_counts() for t in traces],
                         np.fromiter((a for t in traces for a in t.addresses), dtype=np.int64),
                         np.fromiter((s for t in traces for s in t.sizes), dtype=np.int64),
                         sum(t.skipped for t in traces))


def timing_of(timer: BlockTimer, config: PipelineConfig, pair_counts: list, addresses: np.ndarray,
              sizes: np.ndarray, skipped: int) -> dict:
    """Cycles = block costs + misses x penalty, with the breakdown the views draw."""
    total = Counter()
    for pc in pair_counts:
        total.update(pc)
    t = timer.total(total)
    misses = cache_misses(addresses, sizes, config)
    memory = misses * config.miss_penalty
    return {
        "cycles": t["cycles"] + memory,
        "compute_cycles": t["cycles"] - t["control_cycles"],
        "hazard_cycles": t["stall_cycles"],
        "control_cycles": t["control_cycles"],
        "memory_cycles": memory,
        "misses": misses,
        "accesses": len(addresses),
        "instructions": t["executed"],
        "skipped": skipped,
    }
