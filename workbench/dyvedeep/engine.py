"""Dynamic-effort inference of a trained VGG-style CNN, with exact scalar-operation accounting (DyVEDeep [R]).

A :class:`DynamicNet` is built from a trained ``workbench.nn`` VGG (or any ``features`` Sequential of
3x3/stride-1/padding-1 ``Conv2d`` [``BatchNorm2d``] [``ReLU``] [``MaxPool2d(2)``] blocks, then global average
pooling and one ``Linear``). Batch norm is folded into the convolution (inference form, y = W'x + b'). The
forward pass is vectorised numpy (im2col + one matrix product per layer) and is the model of record for accuracy
and operation counts; :mod:`workbench.dyvedeep.kernels` holds the compiled loops that are timed.

Per conv layer and image, in this order (thresholds: :mod:`workbench.dyvedeep.effort`):

1. **Layer level** (similarity-based feature-map approximation): per input channel, mean and variance over the map;
   a channel with variance below the threshold leaves the dot products and adds ``mean(X_c) x sum(W_kc)`` to output
   channel k's bias (the kernel sums are precomputed from the static weights). Zero padding is ignored by this
   approximation, as in the paper's formula.
2. **Neuron level** (saturation prediction and early termination, ReLU layers only): each output channel's terms are
   ordered once, offline, by descending |weight| (|w| rather than |w x| so no run-time sort is needed: the order
   costs nothing per inference and is not counted); the accumulator starts at the bias; terms of approximated
   channels are skipped; check points are at ``ceil(f n)`` terms and every ``spet_chunk`` terms after it (in the
   global order, so a skipped channel's terms still advance the position); at a check point the neuron outputs 0 and
   stops if its partial sum is below ``-T``.
3. **Feature level** (significance-driven selective sampling): per output channel, positions with even row and
   column are computed (with 1 and 2 in force); every other position takes the mean of its 1, 2 or 4 grid
   neighbours (horizontal, vertical or diagonal) when all are below ``T_sig`` or their max - min is below
   ``T_sim`` (post-activation values); otherwise it is computed.

Scalar operations (per image; padding positions count as terms, as in ``torch.utils.flop_counter``):

* static conv neuron: ``2 n`` (n multiplies, n adds with the bias as the initial value) ``+ 1`` ReLU comparison;
* dynamic computed neuron: ``2 m`` for the m terms it actually accumulated ``+`` one comparison per check point
  reached ``+`` the ReLU comparison unless it terminated;
* variance test, per input channel: ``4 HW + 1`` (sum, mean, squared deviations, their sum, variance, compare);
* approximated channel: ``2 K`` (mean x kernel sum and the add into each output channel's bias);
* selective sampling per non-grid position and output channel with d neighbours: significance test d comparisons;
  similarity test (when the significance test is off or failed) ``2 (d - 1)`` comparisons for max and min, 1
  subtraction, 1 comparison; interpolation ``d - 1`` adds and 1 multiply (none for d = 1);
* the rest of the network (max pool 3 comparisons per output, global average pool ``HW - 1`` adds + 1 multiply per
  channel, linear layer ``2 x in x out``) is identical in both and counted in both totals.
"""

from __future__ import annotations

import copy
import functools
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np
import torch
from threadpoolctl import ThreadpoolController
from torch import nn

from workbench.dyvedeep.effort import EXACT, Effort, LayerEffort

OVERHEADS = ("spet_checks", "sdss_checks", "interpolation", "variance", "approximation")
SKIPS = ("skipped_var", "skipped_sdss", "skipped_spet")


@functools.cache
def _threadpools() -> ThreadpoolController:
    """The BLAS/OpenMP libraries loaded in this process, found once: building a controller scans the process's
    loaded libraries (~4-9 ms, which per evaluation was half of a dashboard knob change over a 21-point curve)."""
    return ThreadpoolController()


def _one_blas_thread():
    """A context limiting BLAS to one thread (the matrices are small and the machine is shared)."""
    return _threadpools().limit(limits=1)


@dataclass
class ConvLayer:
    """One 3x3 convolution with folded batch norm, its activation and pooling, and its offline term order."""

    name: str
    weight: np.ndarray  # [K, C, 3, 3] float32
    bias: np.ndarray  # [K] float32
    relu: bool
    pool: bool
    in_shape: tuple[int, int, int] = (0, 0, 0)  # (C, H, W)

    def __post_init__(self) -> None:
        k, c = self.weight.shape[:2]
        self.n_terms = c * 9
        flat = self.weight.reshape(k, -1)
        #: per output channel, term indices (c * 9 + ky * 3 + kx) by descending |w| (stable: ties keep index order)
        self.order = np.argsort(-np.abs(flat), axis=1, kind="stable")
        #: rank[k, t]: position of term t in channel k's order
        self.rank = np.argsort(self.order, axis=1, kind="stable")
        self.kernel_sums = self.weight.sum(axis=(2, 3))  # [K, C], offline
        self.flat = np.ascontiguousarray(flat)

    @property
    def out_channels(self) -> int:
        return self.weight.shape[0]

    @property
    def in_channels(self) -> int:
        return self.weight.shape[1]

    def checkpoints(self, effort: LayerEffort) -> list[int]:
        """Prefix lengths (in the term order) at which saturation is checked; empty when off."""
        if not effort.spet_on:
            return []
        first = max(1, math.ceil(effort.spet_fraction * self.n_terms))
        return list(range(first, self.n_terms, effort.spet_chunk))


@dataclass(frozen=True)
class Calibration:
    """Per-layer statistics of the static network on training images that make the thresholds relative.

    ``pre_std``: std of the pre-activations (unit of T); ``act_std``: std of the layer's output after its activation
    (unit of T_sig and T_sim); ``var_ref``: mean over channels and images of the input channels' spatial variance
    (unit of T_var).
    """

    pre_std: dict[str, float]
    act_std: dict[str, float]
    var_ref: dict[str, float]


@dataclass
class LayerStats:
    """Operation counts of one conv layer summed over the images of a run (divide by ``images`` for per image)."""

    name: str
    static_ops: int = 0
    mac_ops: int = 0
    activation_ops: int = 0
    spet_checks: int = 0
    sdss_checks: int = 0
    interpolation: int = 0
    variance: int = 0
    approximation: int = 0
    static_terms: int = 0
    skipped_var: int = 0
    skipped_sdss: int = 0
    skipped_spet: int = 0
    neurons: int = 0
    terminated: int = 0
    interpolated: int = 0
    approximated_channels: int = 0
    input_channels: int = 0
    pool_ops: int = 0  # the max pool after the layer (identical static and dynamic, part of RunResult.other_ops)

    @property
    def dynamic_ops(self) -> int:
        return self.mac_ops + self.activation_ops + self.overhead_ops

    @property
    def overhead_ops(self) -> int:
        return sum(getattr(self, k) for k in OVERHEADS)

    def row(self, images: int) -> dict:
        """Per-image numbers as a flat dict."""
        names = ("static_ops", "mac_ops", "activation_ops", *OVERHEADS, "static_terms", *SKIPS)
        row = {"layer": self.name, **{k: getattr(self, k) / images for k in names}}
        row["dynamic_ops"] = self.dynamic_ops / images
        row["overhead_ops"] = self.overhead_ops / images
        row["terminated_fraction"] = self.terminated / max(self.neurons, 1)
        row["interpolated_fraction"] = self.interpolated / max(self.neurons, 1)
        row["approximated_channel_fraction"] = self.approximated_channels / max(self.input_channels, 1)
        return row


@dataclass
class RunResult:
    """What :meth:`DynamicNet.run` returns."""

    logits: np.ndarray
    layers: list[LayerStats]
    other_ops: int  # pools, global average pool, classifier (identical static and dynamic), summed over images
    images: int
    maps: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    inputs: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def static_ops(self) -> float:
        """Scalar operations per image of the static network."""
        return (sum(s.static_ops for s in self.layers) + self.other_ops) / self.images

    @property
    def dynamic_ops(self) -> float:
        """Scalar operations per image with the dynamic-effort mechanisms, checks included."""
        return (sum(s.dynamic_ops for s in self.layers) + self.other_ops) / self.images

    @property
    def ops_reduction(self) -> float:
        """static / dynamic scalar operations (x)."""
        return self.static_ops / self.dynamic_ops

    def accuracy(self, labels: np.ndarray) -> float:
        return float((self.logits.argmax(1) == np.asarray(labels)).mean())

    def table(self) -> list[dict]:
        """Per-layer, per-image rows."""
        return [s.row(self.images) for s in self.layers]


def im2col(x: np.ndarray) -> np.ndarray:
    """``[N, C, H, W]`` -> ``[N * H * W, C * 9]`` patches of a 3x3, stride-1, zero-padding-1 convolution (columns
    ordered c, ky, kx like ``weight.reshape(K, -1)``)."""
    n, c, h, w = x.shape
    xp = np.zeros((n, c, h + 2, w + 2), dtype=x.dtype)
    xp[:, :, 1:-1, 1:-1] = x
    cols = np.empty((n, h, w, c, 3, 3), dtype=x.dtype)
    for ky in range(3):
        for kx in range(3):
            cols[:, :, :, :, ky, kx] = xp[:, :, ky:ky + h, kx:kx + w].transpose(0, 2, 3, 1)
    return cols.reshape(n * h * w, c * 9)


def _neighbours(h: int, w: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Non-grid positions of an h x w map, their grid neighbours (flat index, -1 padded to 4) and counts d."""
    positions, table, counts = [], [], []
    for y in range(h):
        for x in range(w):
            if y % 2 == 0 and x % 2 == 0:
                continue
            ys = [y] if y % 2 == 0 else [v for v in (y - 1, y + 1) if v < h]
            xs = [x] if x % 2 == 0 else [v for v in (x - 1, x + 1) if v < w]
            nb = [a * w + b for a in ys for b in xs]
            positions.append(y * w + x)
            counts.append(len(nb))
            table.append(nb + [-1] * (4 - len(nb)))
    return np.array(positions, dtype=np.int64), np.array(table, dtype=np.int64), np.array(counts, dtype=np.int64)


class DynamicNet:
    """A trained CNN prepared for dynamic-effort inference (see the module docstring).

    Parameters
    ----------
    model : nn.Module
        A ``workbench.nn.VGG`` (``features``, ``pool``, ``classifier``) or an ``nn.Sequential`` of the same blocks
        followed by ``AdaptiveAvgPool2d(1)``, ``Flatten`` and ``Linear``; evaluated in eval mode.
    input_shape : (C, H, W)
    calibration_images : array [N, C, H, W], optional
        Training images for the threshold units (:class:`Calibration`); without them every unit is 1.
    """

    def __init__(self, model: nn.Module, input_shape: tuple[int, int, int], calibration_images=None):
        self.input_shape = tuple(int(v) for v in input_shape)
        self.convs, self.fc_weight, self.fc_bias = _parse(model)
        c, h, w = self.input_shape
        for layer in self.convs:
            if layer.in_channels != c:
                raise ValueError(f"layer {layer.name!r} expects {layer.in_channels} input channels, gets {c}")
            layer.in_shape = (c, h, w)
            c = layer.out_channels
            if layer.pool:
                h, w = h // 2, w // 2
        self._neighbour_cache: dict[tuple[int, int], tuple] = {}
        self._count_cache: dict[tuple, np.ndarray] = {}
        self._prefix_cache: dict[tuple, np.ndarray] = {}
        self._front_cache = _FrontCache(FRONT_CACHE_BYTES)
        names = self.layer_names
        if calibration_images is None:
            self.calibration = Calibration(*({n: 1.0 for n in names} for _ in range(3)))
        else:
            self.calibration = self._calibrate(np.asarray(calibration_images, dtype=np.float32))

    @property
    def layer_names(self) -> list[str]:
        return [layer.name for layer in self.convs]

    def with_shared_order(self, group: int) -> DynamicNet:
        """A copy whose output channels share one term order per ``group`` consecutive channels: descending
        ``sum |w|`` over the group's channels (offline, as the per-channel order). Decisions stay per neuron; only
        the order in which a neuron's terms are accumulated, and so what a check point has seen, changes. A compiled
        kernel can then run a group's channels as the lanes of one vector (:class:`workbench.dyvedeep.kernels.
        ChannelPlan`); ``group`` = 1 is the per-channel order of the paper."""
        if not (isinstance(group, int) and group >= 1):
            raise ValueError(f"group={group!r} is not allowed; allowed: an integer >= 1")
        net = copy.copy(self)
        net._count_cache, net._prefix_cache, net._front_cache = {}, {}, _FrontCache(FRONT_CACHE_BYTES)
        net.convs = []
        for layer in self.convs:
            shared = copy.copy(layer)
            k = layer.out_channels
            order = np.empty_like(layer.order)
            for g0 in range(0, k, group):
                score = np.abs(layer.flat[g0:g0 + group]).sum(axis=0)
                order[g0:g0 + group] = np.argsort(-score, kind="stable")
            shared.order = order
            shared.rank = np.argsort(order, axis=1, kind="stable")
            net.convs.append(shared)
        return net

    # -- validation ----------------------------------------------------------------------------------------------
    def check_effort(self, effort: Effort) -> None:
        """``ValueError`` for a per-layer override naming a layer the network lacks, or saturation prediction asked
        of a layer without a ReLU."""
        names = self.layer_names
        for layer in effort.layers:
            if layer not in names:
                raise ValueError(f"effort names layer {layer!r}, which the network does not have; conv layers: "
                                 f"{names}")
        for layer in self.convs:
            if effort.for_layer(layer.name).spet_on and not layer.relu:
                raise ValueError(f"saturation prediction (spet_fraction < 1) asked for layer {layer.name!r}, which has "
                                 "no ReLU after it; set spet_fraction=1 for that layer (per-layer override)")

    # -- forward passes ------------------------------------------------------------------------------------------
    def static_forward(self, x: np.ndarray) -> np.ndarray:
        """Logits of the static network (the reference every dynamic run is compared with)."""
        x = np.asarray(x, dtype=np.float32)
        with _one_blas_thread():
            for layer in self.convs:
                n, _, h, w = x.shape
                pre = (im2col(x) @ layer.flat.T + layer.bias).reshape(n, h, w, -1).transpose(0, 3, 1, 2)
                x = np.maximum(pre, 0) if layer.relu else pre
                if layer.pool:
                    x = _maxpool(x)
            return x.mean(axis=(2, 3)) @ self.fc_weight.T + self.fc_bias

    def run(self, x: np.ndarray, effort: Effort = EXACT, *, keep_maps: bool = False, start: int = 0,
            before: list[LayerStats] | None = None, keep_inputs: bool = False) -> RunResult:
        """Dynamic-effort forward pass of images ``x`` [N, C, H, W] with operation counts.

        ``keep_maps`` keeps, per layer, ``computed`` [N, H, W] (fraction of output channels computed at each
        position) and ``terminated`` [N, H, W] (fraction that stopped early) for the maps view. ``start`` > 0 runs
        from conv layer ``start`` with ``x`` its input, ``before`` the stats of the layers before it (threshold
        tuning reuses the unchanged front of the network); ``keep_inputs`` keeps every conv layer's input.
        """
        self.check_effort(effort)
        with _one_blas_thread():  # one BLAS thread: the matrices are small and the machine is shared
            return self._run(np.asarray(x, dtype=np.float32), effort, keep_maps, start, before, keep_inputs)

    def _run(self, x, effort, keep_maps, start, before, keep_inputs) -> RunResult:
        n_img = x.shape[0]
        stats, maps, inputs = list(before or []), {}, {}
        if len(stats) != start:
            raise ValueError(f"start={start} needs the stats of the {start} layers before it, got {len(stats)}")
        for layer in self.convs[start:]:
            if keep_inputs:
                inputs[layer.name] = x
            le = effort.for_layer(layer.name)
            x, st, mp = self._layer(layer, x, le, keep_maps)
            if keep_maps:
                maps[layer.name] = mp
            _, k, h, w = x.shape
            if layer.pool:
                x = _maxpool(x)
                st.pool_ops = 3 * n_img * k * (h // 2) * (w // 2)
            stats.append(st)
        _, k, h, w = x.shape
        logits = x.mean(axis=(2, 3)) @ self.fc_weight.T + self.fc_bias
        head = n_img * (k * (h * w - 1 + 1) + 2 * self.fc_weight.size)
        other = head + sum(st.pool_ops for st in stats)
        return RunResult(logits, stats, other, n_img, maps, inputs)

    def _front(self, layer: ConvLayer, x: np.ndarray, le: LayerEffort, checks: list[int]) -> _Front:
        """The part of a conv layer that its saturation threshold and selective sampling do not change: the
        low-variance channel test, the outputs of every neuron computed in full and the partial sums at the check
        points (:class:`_Front`). Cached by the layer's input (its bytes), its variance setting and its check points,
        so the points of a sweep over a later threshold whose layer inputs coincide compute it once. The key holds the
        input's bytes themselves (copying and hashing 64 KB takes ~20 us, a cryptographic digest ~80 us)."""
        var_ref = self.calibration.var_ref[layer.name]
        key = (layer.name, x.shape, x.tobytes(), le.var_threshold if le.var_on else None, var_ref, tuple(checks))
        front = self._front_cache.get(key)
        if front is None:
            front = self._compute_front(layer, x, le, checks, var_ref)
            self._front_cache.put(key, front)
        return front

    def _compute_front(self, layer: ConvLayer, x: np.ndarray, le: LayerEffort, checks: list[int],
                       var_ref: float) -> _Front:
        n, c, h, w = x.shape
        kk = layer.out_channels
        p = h * w

        # 1. layer level: low-variance input channels
        approx = np.zeros((n, c), dtype=bool)
        bias = layer.bias[None, :]  # [1, K] -> exact path keeps the static bias untouched
        xin = x
        variance = approximated = approximation = 0
        if le.var_on:
            means = x.mean(axis=(2, 3))
            var = x.var(axis=(2, 3))
            approx = var < le.var_threshold * var_ref
            variance = n * c * (4 * p + 1)
            if approx.any():
                approximated = int(approx.sum())
                approximation = 2 * approximated * kk
                bias = layer.bias[None, :] + (means * approx) @ layer.kernel_sums.T
                xin = x * ~approx[:, :, None, None]

        cols = im2col(xin)
        pre = (cols @ layer.flat.T).reshape(n, p, kk)
        pre = pre + bias[:, None, :]
        out = np.maximum(pre, 0) if layer.relu else pre
        partial = None
        if checks:  # 2. neuron level: the partial sums at every check point
            prefix = self._prefix_weights(layer, checks)
            partial = (cols @ prefix).reshape(n, p, len(checks), kk) + bias[:, None, None, :]
        return _Front(approx, out, partial, variance, approximated, approximation)

    def _layer(self, layer: ConvLayer, x: np.ndarray, le: LayerEffort, keep_maps: bool):
        n, c, h, w = x.shape
        kk = layer.out_channels
        p = h * w
        nt = layer.n_terms
        st = LayerStats(layer.name, neurons=n * kk * p, input_channels=n * c)
        st.static_terms = n * kk * p * nt
        st.static_ops = n * kk * p * (2 * nt + (1 if layer.relu else 0))

        # 1. layer level: low-variance input channels (in the front, with the full outputs and the partial sums)
        checks = layer.checkpoints(le)
        front = self._front(layer, x, le, checks)
        approx, out = front.approx, front.out
        st.variance, st.approximation = front.variance, front.approximation
        st.approximated_channels = front.approximated
        active_terms = (c - approx.sum(axis=1)) * 9  # [N]
        st.skipped_var = int((approx.sum(axis=1) * 9).sum()) * kk * p

        # 2. neuron level: saturation prediction and early termination
        stopped = terminated = None  # [N, P, J, K]: the neuron had stopped at or before check j; [N, P, K]
        if checks:
            limit = -le.spet_threshold * self.calibration.pre_std[layer.name]
            stopped = front.partial < limit
            for j in range(1, len(checks)):  # (ufunc.accumulate along this axis took a third of a run)
                stopped[:, :, j, :] |= stopped[:, :, j - 1, :]
            terminated = stopped[:, :, -1, :]
            out = out * ~terminated  # a ReLU output (finite, >= 0) times 0 or 1: np.where(terminated, 0, out), faster

        # 3. feature level: selective sampling on the stride-2 grid
        computed = np.ones((n, p, kk), dtype=bool)
        out_nk = out.transpose(0, 2, 1)  # [N, K, P]
        sampled = False
        if le.sdss_on:
            pos, nbr, d = self._neighbours(h, w)
            sampled = bool(len(pos))
            if sampled:
                valid = nbr >= 0
                vals = out_nk[:, :, np.where(valid, nbr, 0)]  # [N, K, U, 4]
                act = self.calibration.act_std[layer.name]
                big = np.where(valid, vals, -np.inf).max(axis=3)
                small = np.where(valid, vals, np.inf).min(axis=3)
                interp = np.zeros(big.shape, dtype=bool)
                checked_sig = np.zeros(big.shape, dtype=bool)
                if le.sig_threshold > 0:
                    interp = big < le.sig_threshold * act
                    st.sdss_checks += int(n * kk * d.sum())
                    checked_sig[:] = True
                if le.sim_threshold > 0:
                    need = ~interp
                    similar = (big - small) < le.sim_threshold * act
                    st.sdss_checks += int((need * (2 * d)[None, None, :]).sum())
                    interp = interp | (need & similar)
                value = np.where(valid, vals, 0).sum(axis=3) * (np.float32(1) / d.astype(np.float32))
                st.interpolated = int(interp.sum())
                st.interpolation = int((interp * (d - 1 + (d > 1))[None, None, :]).sum())
                out_nk = out_nk.copy()
                sub = out_nk[:, :, pos]
                out_nk[:, :, pos] = np.where(interp, value, sub)
                cmp = computed.transpose(0, 2, 1).copy()
                cmp[:, :, pos] = ~interp
                computed = cmp.transpose(0, 2, 1)

        # accounting over the computed neurons, from per-(image, check, channel) counts of stopped neurons (whole
        # numbers): a neuron that stopped first at check j accumulated done[n, j, k] terms and reached j + 1 checks;
        # one that never stopped accumulated all its active terms and reached every check
        per_image = (computed.sum(axis=(1, 2)) if sampled else np.full(n, p * kk)).astype(np.int64)  # [N]
        stopped_terms = 0
        if stopped is None:
            stopping = np.zeros(n, dtype=np.int64)
        else:
            if sampled:
                stopped = stopped & computed[:, :, None, :]
            # [N, J, K]: neurons stopped at or before check j (summed as bytes: a quarter faster than as bools)
            by_check = np.add.reduce(stopped.view(np.uint8), axis=1, dtype=np.int32)
            counts = self._prefix_counts(layer, checks)  # [J, K, C] terms of channel c in prefix j
            done = (np.einsum("nc,jkc->njk", (~approx).astype(np.int64), counts) if approx.any()
                    else counts.sum(axis=2)[None])  # [N, J, K] (or [1, J, K]: every channel active)
            # sum_j (by_check_j - by_check_j-1) done_j = sum_j by_check_j (done_j - done_j+1), done_J = 0
            gained = done.copy()
            gained[:, :-1] -= done[:, 1:]
            stopped_terms = int((by_check * gained).sum())
            stopping = by_check[:, -1, :].sum(axis=1)  # [N]
            st.spet_checks = len(checks) * int(per_image.sum()) - int(by_check[:, :-1, :].sum())
        running = per_image - stopping  # [N]: computed neurons that accumulated every active term
        st.mac_ops = 2 * (int((active_terms * running).sum()) + stopped_terms)
        st.terminated = int(stopping.sum())
        if layer.relu:
            st.activation_ops = int(running.sum())
        st.skipped_sdss = int((active_terms * (p * kk - per_image)).sum())
        st.skipped_spet = int((active_terms * stopping).sum()) - stopped_terms
        y = out_nk.reshape(n, kk, h, w)
        maps = {}
        if keep_maps:
            maps["computed"] = computed.mean(axis=2).reshape(n, h, w)
            stops = np.zeros((n, p, kk), dtype=bool) if terminated is None else terminated & computed
            maps["terminated"] = stops.mean(axis=2).reshape(n, h, w)
        return y, st, maps

    # -- helpers -------------------------------------------------------------------------------------------------
    def _neighbours(self, h: int, w: int):
        key = (h, w)
        if key not in self._neighbour_cache:
            self._neighbour_cache[key] = _neighbours(h, w)
        return self._neighbour_cache[key]

    def _prefix_weights(self, layer: ConvLayer, checks: list[int]) -> np.ndarray:
        """``[C * 9, J * K]``: column ``j * K + k`` holds output channel k's weights of the first ``checks[j]`` terms
        in its order, zero elsewhere (the partial sums at every check point in one product; cached per layer and
        checks, like :meth:`_prefix_counts`)."""
        key = (layer.name, tuple(checks))
        if key not in self._prefix_cache:
            prefix = np.zeros((len(checks), layer.out_channels, layer.n_terms), dtype=np.float32)
            for j, m in enumerate(checks):
                prefix[j] = np.where(layer.rank < m, layer.flat, 0)
            self._prefix_cache[key] = prefix.reshape(-1, layer.n_terms).T
        return self._prefix_cache[key]

    def _prefix_counts(self, layer: ConvLayer, checks: list[int]) -> np.ndarray:
        """``[J, K, C]``: how many of output channel k's first ``checks[j]`` terms (in its order) belong to input
        channel c (terms are numbered c * 9 + ky * 3 + kx; cached per layer and checks)."""
        key = (layer.name, tuple(checks))
        if key not in self._count_cache:
            within = layer.rank[None, :, :] < np.asarray(checks)[:, None, None]  # [J, K, C * 9]
            self._count_cache[key] = within.reshape(len(checks), layer.out_channels, layer.in_channels, 9).sum(
                axis=3, dtype=np.int64)
        return self._count_cache[key]

    def _calibrate(self, images: np.ndarray) -> Calibration:
        pre_std, act_std, var_ref = {}, {}, {}
        x = images
        for layer in self.convs:
            n, _, h, w = x.shape
            var_ref[layer.name] = float(x.var(axis=(2, 3)).mean()) or 1.0
            pre = (im2col(x) @ layer.flat.T + layer.bias).reshape(n, h, w, -1).transpose(0, 3, 1, 2)
            x = np.maximum(pre, 0) if layer.relu else pre
            pre_std[layer.name] = float(pre.std()) or 1.0
            act_std[layer.name] = float(x.std()) or 1.0
            if layer.pool:
                x = _maxpool(x)
        return Calibration(pre_std, act_std, var_ref)

    def static_layer_ops(self) -> dict[str, int]:
        """Scalar operations per image of each static conv layer (closed form)."""
        out = {}
        for layer in self.convs:
            _, h, w = layer.in_shape
            out[layer.name] = layer.out_channels * h * w * (2 * layer.n_terms + (1 if layer.relu else 0))
        return out


FRONT_CACHE_BYTES = 64 * 2**20
"""Most bytes of layer fronts a network keeps (:meth:`DynamicNet._front`): a 16-image run of the digits VGG keeps
about 1.5 MB, a 450-image run about 40 MB."""


@dataclass(frozen=True)
class _Front:
    """What a conv layer computes before its saturation threshold and selective sampling apply (read-only arrays).

    ``approx`` [N, C]: input channels replaced by their mean; ``out`` [N, P, K]: every neuron computed in full, after
    its activation; ``partial`` [N, P, J, K]: the partial sums at the check points (``None`` without checks); and the
    variance test's operation counts (``LayerStats.variance``, ``approximated_channels``, ``approximation``).
    """

    approx: np.ndarray
    out: np.ndarray
    partial: np.ndarray | None
    variance: int
    approximated: int
    approximation: int

    @property
    def nbytes(self) -> int:
        return self.approx.nbytes + self.out.nbytes + (0 if self.partial is None else self.partial.nbytes)


class _FrontCache:
    """Least recently used :class:`_Front` objects up to ``max_bytes`` in all, their keys' byte strings counted
    (thread-safe); their arrays are made read-only, so a caller that wrote into one would fail instead of changing a
    later run."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._items: OrderedDict[tuple, _Front] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: tuple) -> _Front | None:
        with self._lock:
            front = self._items.get(key)
            if front is not None:
                self._items.move_to_end(key)
            return front

    def put(self, key: tuple, front: _Front) -> None:
        for array in (front.approx, front.out, front.partial):
            if array is not None:
                array.flags.writeable = False
        with self._lock:
            size = _size(key, front)
            if key in self._items or size > self.max_bytes:
                return
            self._items[key] = front
            self._bytes += size
            while self._bytes > self.max_bytes:
                self._bytes -= _size(*self._items.popitem(last=False))


def _size(key: tuple, front: _Front) -> int:
    """Bytes a cache entry holds: its arrays and the byte strings in its key."""
    return front.nbytes + sum(len(part) for part in key if isinstance(part, bytes))


def _maxpool(x: np.ndarray) -> np.ndarray:
    """2 x 2, stride-2 max pooling of ``[N, C, H, W]`` (an odd last row or column dropped): the larger of the four
    strided quarters (as a max over the window axes of a reshape, ~30x faster: numpy reduces two short axes slowly)."""
    _, _, h, w = x.shape
    x = x[:, :, :h // 2 * 2, :w // 2 * 2]
    return np.maximum(np.maximum(x[:, :, 0::2, 0::2], x[:, :, 0::2, 1::2]),
                      np.maximum(x[:, :, 1::2, 0::2], x[:, :, 1::2, 1::2]))


def _parse(model: nn.Module) -> tuple[list[ConvLayer], np.ndarray, np.ndarray]:
    """Conv layers (BN folded) and the classifier of a VGG-style model; ``ValueError`` for anything else."""
    model = model.eval()
    if hasattr(model, "features") and hasattr(model, "classifier"):
        prefix = "features."
        body = list(model.features.named_children())
        head = [m for m in (getattr(model, "pool", None), model.classifier) if m is not None]
    elif isinstance(model, nn.Sequential):
        prefix = ""
        items = list(model.named_children())
        cut = next((i for i, (_, m) in enumerate(items) if isinstance(m, nn.AdaptiveAvgPool2d)), len(items))
        body, head = items[:cut], [m for _, m in items[cut:]]
    else:
        raise ValueError(f"model of type {type(model).__name__} is not supported; expected a VGG-style network "
                         "(features + classifier) or an nn.Sequential of conv blocks, AdaptiveAvgPool2d(1), Linear")
    convs: list[ConvLayer] = []
    i = 0
    while i < len(body):
        name, module = body[i]
        if not isinstance(module, nn.Conv2d):
            raise ValueError(f"layer {prefix}{name!r} ({type(module).__name__}) is not supported here; expected Conv2d "
                             "[BatchNorm2d] [ReLU] [MaxPool2d(2)] blocks")
        if module.kernel_size != (3, 3) or module.stride != (1, 1) or module.padding != (1, 1) or module.groups != 1:
            raise ValueError(f"layer {prefix}{name!r}: only 3x3 convolutions with stride 1, padding 1, groups 1 are "
                             f"supported, got kernel {module.kernel_size}, stride {module.stride}, padding "
                             f"{module.padding}, groups {module.groups}")
        weight = module.weight.detach().double()
        bias = module.bias.detach().double() if module.bias is not None else torch.zeros(weight.shape[0]).double()
        i += 1
        if i < len(body) and isinstance(body[i][1], nn.BatchNorm2d):
            bn = body[i][1]
            scale = (bn.weight.detach().double() if bn.affine else 1) / torch.sqrt(bn.running_var.double() + bn.eps)
            shift = bn.bias.detach().double() if bn.affine else 0
            weight = weight * scale[:, None, None, None]
            bias = (bias - bn.running_mean.double()) * scale + shift
            i += 1
        relu = i < len(body) and isinstance(body[i][1], nn.ReLU)
        i += relu
        pool = False
        if i < len(body) and isinstance(body[i][1], nn.MaxPool2d):
            mp = body[i][1]
            if mp.kernel_size not in (2, (2, 2)) or mp.stride not in (2, (2, 2)):
                raise ValueError(f"layer {prefix}{body[i][0]!r}: only MaxPool2d(2) is supported")
            pool, i = True, i + 1
        convs.append(ConvLayer(f"{prefix}{name}", weight.float().numpy(), bias.float().numpy(), relu, pool))
    linear = [m for m in head if isinstance(m, nn.Linear)]
    if not convs or len(linear) != 1:
        raise ValueError("the model needs at least one conv layer and exactly one Linear classifier")
    fc = linear[0]
    fb = fc.bias.detach().float().numpy() if fc.bias is not None else np.zeros(fc.out_features, np.float32)
    return convs, fc.weight.detach().float().numpy().copy(), fb.copy()
