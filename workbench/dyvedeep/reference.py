"""A literal, scalar, pure-Python version of the dynamic-effort forward pass that counts every operation as it does it.

Independent of :mod:`workbench.dyvedeep.engine`'s vectorised formulation (it shares only the parsed layers and the
calibration), it exists to check that engine on tiny networks: same outputs, same operation counts. Far too slow
for anything but a few hundred neurons.
"""

from __future__ import annotations

import math

import numpy as np

from workbench.dyvedeep.effort import EXACT, Effort
from workbench.dyvedeep.engine import DynamicNet


class Counter:
    """Scalar operations by category."""

    def __init__(self) -> None:
        self.ops: dict[str, int] = {}

    def add(self, category: str, count: int = 1) -> None:
        self.ops[category] = self.ops.get(category, 0) + count

    @property
    def total(self) -> int:
        return sum(self.ops.values())


def forward(net: DynamicNet, image: np.ndarray, effort: Effort = EXACT) -> tuple[np.ndarray, dict[str, Counter]]:
    """Logits of one image ``[C, H, W]`` and, per conv layer, a :class:`Counter` of the operations performed."""
    net.check_effort(effort)
    x = [[[float(v) for v in row] for row in ch] for ch in np.asarray(image, dtype=np.float32)]
    counters = {}
    for layer in net.convs:
        le = effort.for_layer(layer.name)
        cnt = Counter()
        counters[layer.name] = cnt
        c_in, h, w = len(x), len(x[0]), len(x[0][0])
        k_out = layer.out_channels
        wgt = layer.weight.astype(np.float64)
        bias = [float(b) for b in layer.bias]
        # layer level
        approximated = set()
        if le.var_on:
            limit = le.var_threshold * net.calibration.var_ref[layer.name]
            for c in range(c_in):
                vals = [x[c][i][j] for i in range(h) for j in range(w)]
                mean = sum(vals) / (h * w)
                var = sum((v - mean) ** 2 for v in vals) / (h * w)
                cnt.add("variance", 4 * h * w + 1)
                if var < limit:
                    approximated.add(c)
                    for k in range(k_out):
                        bias[k] += mean * float(wgt[k, c].sum())
                        cnt.add("approximation", 2)
        checks = set(layer.checkpoints(le))
        t_limit = -le.spet_threshold * net.calibration.pre_std[layer.name]

        def neuron(k: int, y: int, xx: int, *, cnt=cnt, approximated=approximated, checks=checks, t_limit=t_limit,
                   bias=bias, wgt=wgt, h=h, w=w, layer=layer, x=x) -> float:
            acc = bias[k]
            for position, t in enumerate(layer.order[k]):
                if position in checks:
                    cnt.add("spet_checks")
                    if acc < t_limit:
                        return 0.0
                c, r = divmod(int(t), 9)
                ky, kx = divmod(r, 3)
                if c in approximated:
                    continue
                yy, xq = y + ky - 1, xx + kx - 1
                v = x[c][yy][xq] if 0 <= yy < h and 0 <= xq < w else 0.0
                acc += wgt[k, c, ky, kx] * v
                cnt.add("mac_ops", 2)
            if layer.relu:
                cnt.add("activation_ops")
                return max(acc, 0.0)
            return acc

        out = [[[None] * w for _ in range(h)] for _ in range(k_out)]
        act = net.calibration.act_std[layer.name]
        for k in range(k_out):
            for y in range(0, h, 2):
                for xx in range(0, w, 2):
                    out[k][y][xx] = neuron(k, y, xx)
            for y in range(h):
                for xx in range(w):
                    if y % 2 == 0 and xx % 2 == 0:
                        continue
                    if not le.sdss_on:
                        out[k][y][xx] = neuron(k, y, xx)
                        continue
                    ys = [y] if y % 2 == 0 else [v for v in (y - 1, y + 1) if v < h]
                    xs = [xx] if xx % 2 == 0 else [v for v in (xx - 1, xx + 1) if v < w]
                    nb = [out[k][a][b] for a in ys for b in xs]
                    d = len(nb)
                    interpolate = False
                    if le.sig_threshold > 0:
                        cnt.add("sdss_checks", d)
                        interpolate = all(v < le.sig_threshold * act for v in nb)
                    if not interpolate and le.sim_threshold > 0:
                        cnt.add("sdss_checks", 2 * d)
                        interpolate = max(nb) - min(nb) < le.sim_threshold * act
                    if interpolate:
                        out[k][y][xx] = sum(nb) / d
                        cnt.add("interpolation", d - 1 + (d > 1))
                    else:
                        out[k][y][xx] = neuron(k, y, xx)
        if layer.pool:
            out = [[[max(ch[2 * i][2 * j], ch[2 * i][2 * j + 1], ch[2 * i + 1][2 * j], ch[2 * i + 1][2 * j + 1])
                     for j in range(w // 2)] for i in range(h // 2)] for ch in out]
        x = out
    feats = np.array([sum(sum(row) for row in ch) / (len(ch) * len(ch[0])) for ch in x])
    return net.fc_weight.astype(np.float64) @ feats + net.fc_bias, counters


def static_ops(net: DynamicNet) -> dict[str, int]:
    """Scalar operations per image of each static conv layer by literal enumeration of every term of every neuron."""
    out = {}
    for layer in net.convs:
        c, h, w = layer.in_shape
        total = 0
        for _k in range(layer.out_channels):
            for _y in range(h):
                for _x in range(w):
                    total += 2 * c * 9 + (1 if layer.relu else 0)
        out[layer.name] = total
    return out


def tolerance(values: np.ndarray) -> float:
    """A float32-rounding tolerance for comparing logits."""
    return 1e-4 * max(1.0, float(np.max(np.abs(values))) if len(values) else 1.0) + math.ulp(1.0)
