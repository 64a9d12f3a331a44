"""The committed AArch64 kernel binaries, decoded once with capstone: instructions, classes, basic blocks, CFG.

The kernels (``kernels/sparce_kernels.c``) are built by ``kernels/build.sh`` (``make sparce-kernels``) into raw
binaries loaded at a fixed address, with a JSON sidecar of their symbols, the exact compiler command and the binary's
SHA-256 (a binary that does not match it is refused, naming the file and how to restore it). A machine without the
cross compiler uses the committed binaries.

Each instruction becomes an :class:`Instr` with a timing class (``alu``, ``mul``, ``load``, ``store``, ``neon``,
``branch``), the architectural registers it reads and writes (``x0``..``x30``, ``sp``, ``v0``..``v31``, ``nzcv``;
``w``/``x`` and ``b/h/s/d/q/v`` names alias one register), the bytes it moves (for the memory port) and, for a
multiply-accumulate, its accumulator and multiplicand registers (the candidates for SparCE's skip analysis).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

import capstone

from workbench.core.integrity import verify

KERNEL_DIR = Path(__file__).resolve().parent / "kernels"
VARIANTS = ("scalar", "neon")
KERNELS = ("gemm", "gemm_naive", "gemm_blocked", "fc", "im2col", "bias_relu", "maxpool2", "bias_add")
#: The kernels whose MACs SparCE may skip, each with the input its MACs' activation operands come from.
MAC_KERNELS = {"gemm": "X", "gemm_naive": "X", "gemm_blocked": "X", "fc": "x"}
#: MAC kernels whose activations are loaded right before their MACs (the zero is in flight): they never skip.
IN_FLIGHT_KERNELS = ("gemm_naive",)
#: MAC kernels whose NEON build broadcasts one activation to all four lanes (a skip needs one zero, not four).
BROADCAST_KERNELS = ("fc", "gemm_blocked")

_BRANCHES = {"b", "bl", "br", "blr", "ret", "cbz", "cbnz", "tbz", "tbnz"}
_ALWAYS_TAKEN = {"b", "bl", "br", "blr", "ret"}
_SCALAR_MAC = {"madd", "msub", "smaddl", "umaddl", "smsubl", "umsubl"}
_VECTOR_MAC = {"mla", "mls"}
_COMPARES = {"cmp", "cmn", "tst"}
_REG = re.compile(r"^(?:([wx])(\d+)|([bhsdqv])(\d+)|(w?sp)|(fp)|(lr)|(nzcv)|([wx]zr))$")


def reg_id(name: str) -> str | None:
    """Canonical architectural register of a capstone register name (``None`` for the zero register)."""
    m = _REG.match(name)
    if not m:
        raise ValueError(f"unknown register name {name!r}")
    if m.group(1):
        return f"x{m.group(2)}"
    if m.group(3):
        return f"v{m.group(4)}"
    if m.group(5):
        return "sp"
    if m.group(6):
        return "x29"
    if m.group(7):
        return "x30"
    if m.group(8):
        return "nzcv"
    return None


@dataclass(frozen=True)
class Instr:
    """One decoded instruction.

    Attributes
    ----------
    address : int
        Its address in the emulator's memory map.
    mnemonic, op_str : str
        Capstone's text.
    cls : str
        Timing class: ``alu``, ``mul``, ``load``, ``store``, ``neon``, ``branch``.
    reads, writes : tuple of str
        Canonical registers read and written (the accumulator of a MAC is in both).
    mem_bytes : int
        Bytes moved by a load/store (0 otherwise); the memory port moves 8 bytes a cycle.
    mac_acc : str or None
        The accumulator of a multiply-accumulate (``Rd == Ra`` for ``madd``; ``Vd`` for ``mla``).
    mac_ops : tuple of str
        Its multiplicands: the accumulation is a no-op when any of them is zero.
    always_taken : bool
        Unconditional control transfer (``b``, ``bl``, ``br``, ``blr``, ``ret``).
    """

    address: int
    mnemonic: str
    op_str: str
    cls: str
    reads: tuple[str, ...]
    writes: tuple[str, ...]
    mem_bytes: int = 0
    mac_acc: str | None = None
    mac_ops: tuple[str, ...] = ()
    always_taken: bool = False
    target: int | None = None

    @property
    def is_branch(self) -> bool:
        return self.cls == "branch"

    def __str__(self) -> str:
        return f"{self.address:#x}: {self.mnemonic} {self.op_str}"


@dataclass(frozen=True)
class Block:
    """A static basic block: a leader up to and including the first control-flow instruction."""

    index: int
    function: str
    instrs: tuple[Instr, ...]
    succs: tuple[int, ...] = field(default=())   # start addresses

    @property
    def start(self) -> int:
        return self.instrs[0].address

    @property
    def end(self) -> int:
        """Address just past the block."""
        return self.instrs[-1].address + 4


def _mem_bytes(mnemonic: str, writes: tuple[str, ...], reads: tuple[str, ...], op_str: str) -> int:
    regs = [r.strip() for r in op_str.split("[")[0].replace("{", "").replace("}", "").split(",") if r.strip()]
    size = 0
    for r in regs:
        if mnemonic.startswith(("ld1", "st1")) and "." in r:
            size += 16 if r.endswith(("4s", "2d", "16b", "8h")) else 8
            continue
        m = _REG.match(r)
        if not m:
            continue
        if m.group(1):
            size += 4 if m.group(1) == "w" else 8
        elif m.group(3):
            size += {"b": 1, "h": 2, "s": 4, "d": 8, "q": 16, "v": 16}[m.group(3)]
        elif m.group(9):
            size += 4 if r.startswith("w") else 8
    if mnemonic in ("ldrb", "strb", "ldrsb"):
        size = 1
    elif mnemonic in ("ldrh", "strh", "ldrsh"):
        size = 2
    elif mnemonic.startswith("ld1r"):
        size = 4
    return max(size, 1)


def decode(md: capstone.Cs, raw) -> Instr:
    """An :class:`Instr` from a capstone instruction (fixing the aliases capstone 5 reports wrongly)."""
    mnemonic, op_str = raw.mnemonic, raw.op_str
    r_ids, w_ids = raw.regs_access()
    reads = [reg_id(raw.reg_name(r)) for r in r_ids]
    writes = [reg_id(raw.reg_name(r)) for r in w_ids]
    reads = [r for r in reads if r is not None]
    writes = [w for w in writes if w is not None]
    base = mnemonic.split(".")[0]
    if base in _COMPARES:   # capstone 5 lists cmp's source as written
        reads = [r for r in reads + writes if r != "nzcv"]
        writes = ["nzcv"]
    mac_acc, mac_ops = None, ()
    ops = [o.strip() for o in op_str.split(",")]
    if base in _SCALAR_MAC and len(ops) == 4:
        rd, rn, rm, ra = (reg_id(o) for o in ops)
        if ra is not None and ra == rd:
            mac_acc, mac_ops = rd, tuple(r for r in (rn, rm) if r is not None)
    elif base in _VECTOR_MAC:
        regs = [reg_id(o.split(".")[0]) for o in ops]
        mac_acc, mac_ops = regs[0], tuple(dict.fromkeys(regs[1:]))
        reads = list(dict.fromkeys(reads + [mac_acc]))
    if base in _BRANCHES or mnemonic.startswith("b."):
        cls = "branch"
    elif mnemonic.startswith(("ld", "ldr")):
        cls = "load"
    elif mnemonic.startswith(("st",)):
        cls = "store"
    elif any(r.startswith("v") for r in reads + writes):
        cls = "neon" if base not in ("fmov",) else "alu"
        if base in ("mul", "mla", "mls") and any(r.startswith("v") for r in writes):
            cls = "neon"
    elif base in _SCALAR_MAC or base in ("mul", "mneg", "smull", "umull", "smulh", "umulh"):
        cls = "mul"
    else:
        cls = "alu"
    target = None
    if cls == "branch":
        imm = [o for o in raw.operands if o.type == capstone.arm64.ARM64_OP_IMM]
        if imm and base not in ("br", "blr", "ret"):
            target = imm[-1].imm
    mem = _mem_bytes(mnemonic, tuple(writes), tuple(reads), op_str) if cls in ("load", "store") else 0
    return Instr(
        address=raw.address, mnemonic=mnemonic, op_str=op_str, cls=cls,
        reads=tuple(dict.fromkeys(r for r in reads if r is not None)),
        writes=tuple(dict.fromkeys(w for w in writes if w is not None)),
        mem_bytes=mem, mac_acc=mac_acc, mac_ops=mac_ops,
        always_taken=mnemonic in _ALWAYS_TAKEN, target=target,
    )


@dataclass(frozen=True)
class Program:
    """One built variant: its bytes, symbols and decoded basic blocks."""

    variant: str
    text_address: int
    code: bytes
    symbols: dict
    compiler: str
    command: str
    instrs: dict            # address -> Instr
    blocks: tuple           # Block, ordered by address
    block_at: dict          # start address -> block index
    preds: dict             # block index -> tuple of predecessor block indices

    def function_of(self, address: int) -> str:
        for name, s in self.symbols.items():
            if s["address"] <= address < s["address"] + s["size"]:
                return name
        raise KeyError(f"{address:#x} is in no kernel function")


def _blocks_of(name: str, instrs: list[Instr], first_index: int) -> list[Block]:
    lo, hi = instrs[0].address, instrs[-1].address + 4
    leaders = {lo}
    for ins in instrs:
        if ins.is_branch:
            leaders.add(ins.address + 4)
            if ins.target is not None and lo <= ins.target < hi:
                leaders.add(ins.target)
    blocks, current = [], []
    for ins in instrs:
        if ins.address in leaders and current:
            blocks.append(current)
            current = []
        current.append(ins)
        if ins.is_branch:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    out = []
    for k, body in enumerate(blocks):
        last = body[-1]
        succs = []
        if last.is_branch:
            if last.target is not None and lo <= last.target < hi:
                succs.append(last.target)
            if not last.always_taken and last.address + 4 < hi:
                succs.append(last.address + 4)
        elif last.address + 4 < hi:
            succs.append(last.address + 4)
        out.append(Block(first_index + k, name, tuple(body), tuple(succs)))
    return out


@functools.cache
def load_program(variant: str = "scalar") -> Program:
    """Load and decode ``kernels/sparce_<variant>.bin`` (``variant`` in :data:`VARIANTS`)."""
    if variant not in VARIANTS:
        raise ValueError(f"variant={variant!r} is not allowed; allowed: {VARIANTS}")
    binary = KERNEL_DIR / f"sparce_{variant}.bin"
    meta = verify(binary, remake=f"restore the shipped kernels with `git checkout -- {KERNEL_DIR}` or rebuild them "
                                 "with `make sparce-kernels`")
    code = binary.read_bytes()
    base = meta["text_address"]
    md = capstone.Cs(capstone.CS_ARCH_ARM64, capstone.CS_MODE_ARM)
    md.detail = True
    instrs: dict[int, Instr] = {}
    blocks: list[Block] = []
    for name, sym in sorted(meta["symbols"].items(), key=lambda kv: kv[1]["address"]):
        off = sym["address"] - base
        decoded = [decode(md, raw) for raw in md.disasm(code[off:off + sym["size"]], sym["address"])]
        if len(decoded) * 4 != sym["size"]:
            raise RuntimeError(f"{variant}:{name}: capstone decoded {len(decoded)} of {sym['size'] // 4} words")
        instrs.update((i.address, i) for i in decoded)
        blocks.extend(_blocks_of(name, decoded, len(blocks)))
    block_at = {b.start: b.index for b in blocks}
    preds: dict[int, list[int]] = {b.index: [] for b in blocks}
    for b in blocks:
        for s in b.succs:
            preds[block_at[s]].append(b.index)
    return Program(variant, base, code, meta["symbols"], meta["compiler"], meta["command"], instrs,
                   tuple(blocks), block_at, {k: tuple(v) for k, v in preds.items()})
