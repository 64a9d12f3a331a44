"""The kernels called from Python: numpy references and the same operations run as machine code on a Machine.

Every emulated operation checks its shape against what the C kernel supports (the GEMM's register block needs
M % 4 == 0 and N % 4 == 0; the NEON FC needs M % 16 == 0) and raises a ValueError naming the shape otherwise.
"""

from __future__ import annotations

import numpy as np

from workbench.sparce.emulator import CallTrace, Machine


# -- numpy references ---------------------------------------------------------------------------------------------
def im2col_ref(x: np.ndarray, k: int, pad: int) -> np.ndarray:
    """(C*k*k, OH*OW) columns of a (C, H, W) map, zero padded, stride 1 (the C kernel's layout)."""
    c, h, w = x.shape
    xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad)))
    oh, ow = h + 2 * pad - k + 1, w + 2 * pad - k + 1
    cols = np.empty((c, k, k, oh, ow), dtype=x.dtype)
    for i in range(k):
        for j in range(k):
            cols[:, i, j] = xp[:, i:i + oh, j:j + ow]
    return cols.reshape(c * k * k, oh * ow)


def bias_relu_ref(y: np.ndarray, bias: np.ndarray, shift: int) -> np.ndarray:
    return np.maximum((y + bias.reshape(-1, *([1] * (y.ndim - 1)))) >> shift, 0).astype(np.int32)


def maxpool2_ref(x: np.ndarray) -> np.ndarray:
    c, h, w = x.shape
    return x.reshape(c, h // 2, 2, w // 2, 2).max(axis=(2, 4))


# -- emulated -----------------------------------------------------------------------------------------------------
def check_gemm_shape(M: int, K: int, N: int, variant: str = "scalar", name: str = "gemm") -> None:
    if M < 4 or M % 4:
        raise ValueError(f"{name}: M={M} output channels is not allowed; allowed: a positive multiple of 4 "
                         "(the kernel's 4-row register block)")
    if N < 4 or N % 4:
        raise ValueError(f"{name}: N={N} pixels is not allowed; allowed: a positive multiple of 4 (4-pixel block)")
    if K < 1:
        raise ValueError(f"{name}: K={K} is not allowed; allowed: >= 1")


def check_fc_shape(M: int, K: int, variant: str = "scalar", name: str = "fc") -> None:
    block = 16 if variant == "neon" else 4
    if M < block or M % block:
        raise ValueError(f"{name}: M={M} outputs is not allowed for the {variant} FC kernel; allowed: a positive "
                         f"multiple of {block}")
    if K < 1:
        raise ValueError(f"{name}: K={K} is not allowed; allowed: >= 1")


#: ``gemm_blocked``'s micro-tile rows per build (``MR`` in ``kernels/sparce_kernels.c``): W is padded with zero rows
#: to a multiple of it, and the padded outputs are dropped.
BLOCKED_ROWS = {"scalar": 4, "neon": 16}
#: ``gemm_blocked``'s packing scratch, in int32 values (packed X 64 x 32 + one guard row + packed W 64 x 32).
BLOCKED_PACK = 64 * 32 + 4 + 64 * 32


def gemm(machine: Machine, W: np.ndarray, X: np.ndarray, function: str = "gemm") -> tuple[np.ndarray, CallTrace]:
    """Y = W @ X on the machine (W is (M, K), X is (K, N), int32) with ``gemm``, ``gemm_naive`` or
    ``gemm_blocked`` (packed and cache-blocked; W padded with zero rows to its micro-tile)."""
    (M, K), (K2, N) = W.shape, X.shape
    if K != K2:
        raise ValueError(f"{function}: W is {W.shape} and X is {X.shape}; the inner sizes must agree")
    check_gemm_shape(M, K, N, machine.variant, function)
    machine.reset_heap()
    rows = M
    if function == "gemm_blocked":
        block = BLOCKED_ROWS[machine.variant]
        rows = -(-M // block) * block
        W = np.vstack([W, np.zeros((rows - M, K), W.dtype)])
    aw = machine.alloc(np.ascontiguousarray(W.T), "W")
    ax = machine.alloc(X, "X", guard=0 if function == "gemm_blocked" else 2 * N)
    ay = machine.alloc(np.zeros((rows, N), np.int32), "Y")
    args = (aw, ax, rows, K, N, ay)
    if function == "gemm_blocked":
        args += (machine.alloc(np.zeros(BLOCKED_PACK, np.int32), "pack"),)
    trace = machine.call(function, *args)
    return machine.read(ay, (rows, N))[:M], trace


def fc(machine: Machine, W: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, CallTrace]:
    """y = W @ x on the machine (W is (M, K))."""
    M, K = W.shape
    check_fc_shape(M, K, machine.variant)
    machine.reset_heap()
    aw = machine.alloc(np.ascontiguousarray(W.T), "W")
    ax = machine.alloc(x.reshape(-1), "x", guard=2)
    ay = machine.alloc(np.zeros(M, np.int32), "y")
    trace = machine.call("fc", aw, ax, M, K, ay)
    return machine.read(ay, (M,)), trace


def im2col(machine: Machine, x: np.ndarray, k: int, pad: int) -> tuple[np.ndarray, CallTrace]:
    c, h, w = x.shape
    oh, ow = h + 2 * pad - k + 1, w + 2 * pad - k + 1
    if oh < 1 or ow < 1:
        raise ValueError(f"im2col: kernel k={k} with pad={pad} does not fit a {h}x{w} map")
    machine.reset_heap()
    ax = machine.alloc(x, "x")
    ao = machine.alloc(np.zeros((c * k * k, oh * ow), np.int32), "columns")
    trace = machine.call("im2col", ax, c, h, w, k, pad, ao)
    return machine.read(ao, (c * k * k, oh * ow)), trace


def bias_relu(machine: Machine, y: np.ndarray, bias: np.ndarray, shift: int) -> tuple[np.ndarray, CallTrace]:
    c = y.shape[0]
    p = int(np.prod(y.shape[1:]))
    machine.reset_heap()
    ay = machine.alloc(y, "y")
    ab = machine.alloc(bias, "bias")
    trace = machine.call("bias_relu", ay, ab, c, p, shift)
    return machine.read(ay, y.shape), trace


def maxpool2(machine: Machine, x: np.ndarray) -> tuple[np.ndarray, CallTrace]:
    c, h, w = x.shape
    if h % 2 or w % 2:
        raise ValueError(f"maxpool2: a {h}x{w} map is not allowed; allowed: even height and width")
    machine.reset_heap()
    ax = machine.alloc(x, "x")
    ao = machine.alloc(np.zeros((c, h // 2, w // 2), np.int32), "out")
    trace = machine.call("maxpool2", ax, c, h, w, ao)
    return machine.read(ao, (c, h // 2, w // 2)), trace


def bias_add(machine: Machine, y: np.ndarray, bias: np.ndarray) -> tuple[np.ndarray, CallTrace]:
    machine.reset_heap()
    ay = machine.alloc(y, "y")
    ab = machine.alloc(bias, "bias")
    trace = machine.call("bias_add", ay, ab, len(y))
    return machine.read(ay, y.shape), trace
