"""The trace model: SparCE cycle counts without emulation, exactly equal to the emulated run's.

Why it can be exact: a kernel call's control flow and data addresses depend only on its shape (the loops have
fixed trip counts and SparCE skips only register-to-register MACs, never a load, store or branch). So per (variant,
kernel, shape) one emulated *recording* run is enough (cached): it stores

- the executed basic-block sequence (no skips),
- the data address stream (for the cache, counted once per cache geometry),
- for every dynamic occurrence of a visible SASA region, the block execution it belongs to, its bit in the block's
  mask and *which input elements* its gating register holds. The recording runs on a tagged input (element i holds
  i + 1), so the register's value names the element (four lanes for NEON).

A new input then needs only numpy: an occurrence is skipped iff its entry is resident in the SASA table and every
element it names is zero; the block masks follow by a bincount; the block-pair costs come from the same memoised
:class:`~workbench.sparce.pipeline.BlockTimer` the emulated run uses, gathered by a bincount over a compact id of
(previous block, its mask, block, its mask). Whole networks are sequences of calls.
"""

from __future__ import annotations

import functools
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from workbench.core.caches import load_cached
from workbench.core.integrity import check_finite, write_with_sidecar
from workbench.core.paths import data_dir
from workbench.sparce.emulator import Machine
from workbench.sparce.isa import BROADCAST_KERNELS, MAC_KERNELS
from workbench.sparce.pipeline import PipelineConfig, cache_misses


@dataclass(frozen=True)
class CallRecord:
    """The shape-dependent part of one kernel call (see module docs)."""

    function: str
    block_ids: np.ndarray      # executed static block index per block execution
    addresses: np.ndarray
    sizes: np.ndarray
    occ_exec: np.ndarray       # block execution index of each region occurrence
    occ_bit: np.ndarray        # the region's bit in its block's mask
    occ_entry: np.ndarray      # index of the region's entry in the machine's candidates
    occ_elems: np.ndarray      # (n_occ, lanes) element indices of the gated input (-1: a constant zero)
    ptype: np.ndarray          # id of (previous block, block) per execution
    ptype_pairs: tuple         # ptype id -> (previous block or -1, block)
    region_count: dict         # block -> number of candidate regions in it
    gated: str                 # which input the regions gate ("X" for gemm, "x" for fc, "" for glue)
    index: int                 # position in the record cache
    occ_weight: np.ndarray     # 1 << occ_bit
    static: dict               # precomputed compact ids (see TraceModel._costs)


def _tagged(inputs: dict, gated: str) -> dict:
    tagged = dict(inputs)
    if gated:
        a = inputs[gated]
        tagged[gated] = (np.arange(a.size, dtype=np.int64) + 1).astype(np.int32).reshape(a.shape)
    return tagged


@functools.cache
def _machine(variant: str) -> Machine:
    """A recording machine: no skipping, gating values recorded at every candidate region, memory hooked."""
    return Machine(variant, sparce=False, record_values=True, memory_hook=True)


def _shape_key(function: str, inputs: dict) -> tuple:
    return (function,) + tuple((k, v.shape if isinstance(v, np.ndarray) else v) for k, v in sorted(inputs.items()))


_RECORDS: dict = {}
RECORD_VERSION = 2     # bump when CallRecord or the recording changes (names the on-disk cache files)
_TABLES: dict = {}     # (variant, timing) -> {record index: cost per compact (prev block, mask, block, mask) id}


def record_call(variant: str, function: str, inputs: dict) -> CallRecord:
    """The cached :class:`CallRecord` of ``function`` on inputs of this shape (records it on first use)."""
    from workbench.sparce.network import run_call

    # the record does not depend on the timing knobs: every candidate region is recorded, visible or not
    key = (variant,) + _shape_key(function, {k: v for k, v in inputs.items()
                                             if k in ("W", "X", "x", "y", "k", "pad", "shift")})
    found = _RECORDS.get(key)
    if found is not None:
        return found
    path = _record_path(variant, key)
    record = load_cached(path, functools.partial(_load_record, index=len(_RECORDS)),
                         instead=f"recording the {variant} {function} call again")
    if record is not None:
        _RECORDS[key] = record
        return record
    machine = _machine(variant)
    gated = MAC_KERNELS.get(function, "")
    _, trace = run_call(machine, function, _tagged(inputs, gated))
    block_ids = np.array([k[0] for k in trace.keys], dtype=np.int64)
    lanes = 4 if variant == "neon" else 1
    occ_exec, occ_bit, occ_entry, elems = [], [], [], []
    for exec_index, bit, entry, value in trace.region_values:
        occ_exec.append(exec_index)
        occ_bit.append(bit)
        occ_entry.append(entry)
        if lanes == 1 or function in BROADCAST_KERNELS:
            tags = [value & 0xFFFFFFFF]
        else:
            tags = [(value >> (32 * lane)) & 0xFFFFFFFF for lane in range(lanes)]
        elems.append([t - 1 for t in tags] + [tags[0] - 1] * (lanes - len(tags)))
    prev = np.concatenate([[-1], block_ids[:-1]])
    pairs, ptype = np.unique(np.stack([prev, block_ids]), axis=1, return_inverse=True)
    region_count = {b: len(r) for b, r in machine.timer.regions_by_block.items()}
    width = np.array([region_count.get(b, 0) for b in range(len(machine.program.blocks))], dtype=np.int64)
    ptype = ptype.reshape(-1).astype(np.int64)
    ptype_pairs = tuple(map(tuple, pairs.T.tolist()))
    # compact id of (ptype, previous mask, mask): each ptype owns 2^(bits of previous block + bits of block) ids
    bits = np.array([width[b] + (width[p] if p >= 0 else 0) for p, b in ptype_pairs], dtype=np.int64)
    sizes = np.left_shift(1, bits)
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    static = {"width": width, "cur_w": width[block_ids], "offsets": offsets, "n_bins": int(sizes.sum()),
              "base_ids": offsets[ptype]}
    occ_bit = np.asarray(occ_bit, dtype=np.int64)
    record = CallRecord(
        function=function, block_ids=block_ids,
        addresses=np.asarray(trace.addresses, dtype=np.int64), sizes=np.asarray(trace.sizes, dtype=np.int64),
        occ_exec=np.asarray(occ_exec, dtype=np.int64), occ_bit=occ_bit,
        occ_entry=np.asarray(occ_entry, dtype=np.int64),
        occ_elems=np.asarray(elems, dtype=np.int64).reshape(-1, lanes),
        ptype=ptype, ptype_pairs=ptype_pairs, region_count=region_count, gated=gated, index=len(_RECORDS),
        occ_weight=np.left_shift(1, occ_bit).astype(np.float64), static=static,
    )
    _RECORDS[key] = record
    try:
        _save_record(path, record)
    except OSError:
        pass
    return record


_ARRAYS = ("block_ids", "addresses", "sizes", "occ_exec", "occ_bit", "occ_entry", "occ_elems", "ptype", "occ_weight")
_STATIC_ARRAYS = ("width", "cur_w", "offsets", "base_ids")


def _save_record(path: Path, record: CallRecord) -> None:
    """Write ``record`` as plain arrays (``.npz``; loaded with ``allow_pickle=False``, so the cache runs no code)."""
    arrays = {name: getattr(record, name) for name in _ARRAYS}
    arrays.update({f"static_{name}": record.static[name] for name in _STATIC_ARRAYS})
    arrays.update(function=np.array(record.function), gated=np.array(record.gated),
                  n_bins=np.array(record.static["n_bins"]),
                  ptype_pairs=np.array(record.ptype_pairs, dtype=np.int64).reshape(-1, 2),
                  region_blocks=np.array(list(record.region_count), dtype=np.int64),
                  region_counts=np.array(list(record.region_count.values()), dtype=np.int64))
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    write_with_sidecar(path, buffer.getvalue())


def _load_record(path: Path, *, index: int) -> CallRecord:
    with np.load(path, allow_pickle=False) as data:
        check_finite({name: data[name] for name in data.files if name not in ("function", "gated")})
        static = {name: data[f"static_{name}"] for name in _STATIC_ARRAYS}
        static["n_bins"] = int(data["n_bins"])
        return CallRecord(
            function=str(data["function"]), gated=str(data["gated"]), index=index, static=static,
            ptype_pairs=tuple(map(tuple, data["ptype_pairs"].tolist())),
            region_count=dict(zip(data["region_blocks"].tolist(), data["region_counts"].tolist())),
            **{name: data[name] for name in _ARRAYS})


def _record_path(variant: str, key: tuple):
    """On-disk cache of a record, named by the binary's hash and the call's shape (data/results is not tracked)."""
    from workbench.sparce.isa import KERNEL_DIR

    binary = hashlib.sha1((KERNEL_DIR / f"sparce_{variant}.bin").read_bytes()).hexdigest()[:12]
    digest = hashlib.sha1(repr((RECORD_VERSION, binary) + key).encode()).hexdigest()[:16]
    return data_dir() / "results" / "sparce_records" / f"{variant}_{digest}.npz"


class TraceModel:
    """Cycle counts of kernel calls from their records and input data (no emulation).

    Parameters
    ----------
    variant : {"scalar", "neon"}
    sparce : bool
        With SparCE (SpRF + SASA) or the baseline core.
    sasa_size, sasa_assoc : int
        SASA table geometry.
    config : PipelineConfig
    """

    def __init__(self, variant: str = "scalar", *, sparce: bool = True, sasa_size: int = 64, sasa_assoc: int = 4,
                 config: PipelineConfig | None = None):
        self.config = config or PipelineConfig()
        self.variant = variant
        self.sparce = sparce
        core = _static_core(variant, self.config, sasa_size, sasa_assoc)
        self.timer, self.candidates, self._active = core
        self._n_skip = np.array([e.n_skip for e in self.candidates], dtype=np.int64)
        self._tables = _TABLES.setdefault((variant, self.config.timing_key()), {})
        self._base_totals = _TABLES.setdefault((variant, self.config.timing_key(), "base"), {})

    def call(self, function: str, inputs: dict) -> tuple[CallRecord, np.ndarray, int]:
        """The call's record, its per-execution skip masks and skipped instruction count (the data decides)."""
        rec = record_call(self.variant, function, inputs)
        n_exec = len(rec.block_ids)
        skipped = 0
        masks = None
        if self.sparce and len(rec.occ_exec):
            data = np.asarray(inputs[rec.gated]).reshape(-1)
            zero = np.append(data == 0, True)                     # index -1 (a constant zero) -> True
            elems = rec.occ_elems
            hit = zero[elems[:, 0]]
            for lane in range(1, elems.shape[1]):   # a vector register is zero only when all its lanes are
                hit &= zero[elems[:, lane]]
            hit &= self._active[rec.occ_entry]
            if hit.any():
                masks = np.bincount(rec.occ_exec[hit], weights=rec.occ_weight[hit], minlength=n_exec)
                masks = masks.astype(np.int64)
                skipped = int(self._n_skip[rec.occ_entry[hit]].sum())
        return rec, masks, skipped

    def _costs(self, rec: CallRecord, masks) -> np.ndarray:
        """(cycles, stalls, control, executed) summed over the call's block executions."""
        static = rec.static
        if masks is None:
            done = self._base_totals.get(rec.index)
            if done is not None:       # nothing skipped in this call: its cost depends on the shape only
                return done
            ids = static["base_ids"]
        else:
            prev = np.empty_like(masks)
            prev[0] = 0
            prev[1:] = masks[:-1]
            ids = static["base_ids"] + (prev << static["cur_w"]) + masks
        if static["n_bins"] > 8 * len(ids):      # a sparse id space: sort instead of a long bincount
            nz, found = np.unique(ids, return_counts=True)
        else:
            found = np.bincount(ids, minlength=static["n_bins"])
            nz = np.flatnonzero(found)
            found = found[nz]
        table = self._tables.get(rec.index)
        if table is None:
            table = self._tables[rec.index] = np.full((static["n_bins"], 4), -1, dtype=np.int64)
        missing = nz[table[nz, 0] < 0]
        if len(missing):
            t = np.searchsorted(static["offsets"], missing, side="right") - 1
            for i, ti in zip(missing.tolist(), t.tolist()):
                p, b = rec.ptype_pairs[ti]
                local = i - int(static["offsets"][ti])
                wb = int(static["width"][b])
                m, pm = local & ((1 << wb) - 1), local >> wb
                table[i] = self.timer.cost(None if p < 0 else (p, pm), (b, m))
        total = found @ table[nz]
        if masks is None:
            self._base_totals[rec.index] = total
        return total

    def run(self, calls, per_call: bool = False):
        """Timing of a sequence of (function, inputs) calls; the L1 state carries across them.

        Returns the totals (the keys of :func:`workbench.sparce.emulator.timing_of`), or with ``per_call`` the
        list of each call's own figures (their sum is the totals)."""
        records, parts = [], []
        for function, inputs in calls:
            rec, masks, n = self.call(function, inputs)
            parts.append((self._costs(rec, masks), n))
            records.append(rec)
        key = (tuple(r.index for r in records), self.config.cache_key())
        misses = _MISSES.get(key)
        if misses is None:
            misses = _MISSES[key] = cache_misses(np.concatenate([r.addresses for r in records]),
                                                 np.concatenate([r.sizes for r in records]), self.config,
                                                 segments=[len(r.addresses) for r in records])
        rows = []
        for rec, (totals, skipped), miss in zip(records, parts, misses):
            cycles, stalls, control, executed = (int(v) for v in totals)
            memory = miss * self.config.miss_penalty
            rows.append({"function": rec.function, "cycles": cycles + memory, "compute_cycles": cycles - control,
                         "hazard_cycles": stalls, "control_cycles": control, "memory_cycles": memory,
                         "misses": miss, "accesses": len(rec.addresses), "instructions": executed,
                         "skipped": skipped})
        if per_call:
            return rows
        return {k: sum(r[k] for r in rows) for k in rows[0] if k != "function"}


_MISSES: dict = {}


@functools.lru_cache(maxsize=64)
def _static_core(variant: str, config: PipelineConfig, sasa_size: int, sasa_assoc: int):
    """(BlockTimer, candidates, active flag per candidate) shared by every TraceModel of this configuration."""
    m = Machine(variant, sparce=False, memory_hook=False, config=config, sasa_size=sasa_size, sasa_assoc=sasa_assoc)
    resident = {e.pc for e in m.table.entries}
    candidates = m.candidates
    active = np.array([e.visible and e.pc in resident for e in candidates], dtype=bool)
    return m.timer, candidates, active

