"""Compiled (numba) static and dynamic-effort 3x3 convolutions with the same loop structure, for honest timing.

Two designs. :class:`ChannelPlan` runs one image (batch 1, the method's setting): its SIMD lanes are output
channels sharing a term order, so every decision is one neuron's and costs no other image anything (see its
docstring). Measured here before it was written: per-neuron term chunks in each channel's own order need a gather
per term, which numba/LLVM does not vectorise, and ran ~30x slower than torch's convolution on one image; the
shared order makes the inner loop a dense broadcast FMA (static: 2-4x torch's time here, by group size).

The batch kernels below (:func:`conv_static`, :func:`conv_dynamic`) vectorise across images instead. Both kernels
take a batch of zero-padded input maps and one layer of :class:`workbench.dyvedeep.engine.ConvLayer` (BN folded) and
write the post-activation output. Loop structure, shared: for each output channel, output position and block of up to
:data:`BLOCK` images, accumulators start at the bias; the terms are visited in the channel's offline order
(descending |w|); for each term the inner loop runs over the block's images (inputs are laid out images-innermost, so
that loop is contiguous and vectorises). The static kernel runs every neuron to the end; the dynamic kernel makes the
paper's decisions per neuron and image, and skips work at block granularity:

* channels approximated by their mean (variance test) are skipped in the term loop, their ``mean x sum(W_kc)``
  added to the bias first;
* at each saturation check point the images whose partial sum is below ``-T`` are written as 0 and masked; the
  block stops when none is left;
* with selective sampling the first pass runs over the stride-2 grid only; at the other positions each image is
  interpolated from its grid neighbours or masked in, and the block is computed only if some image needs it.

A masked lane still occupies its SIMD slot, so the measured speed-up is below the operation-count reduction
whenever decisions differ across the images of a block: that gap is the cost of fine-grained dynamic effort on a
vector CPU, reported, not hidden.

The dynamic kernel also returns what it did (checks, terminations, interpolations, approximated
channels) so tests can compare it with the vectorised engine. No ``fastmath``: each accumulator adds its terms in
the same order in both kernels, so with every mechanism off the outputs are equal bit for bit.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from workbench.dyvedeep.effort import LayerEffort
from workbench.dyvedeep.engine import ConvLayer, DynamicNet

#: counters returned by :func:`conv_dynamic` (summed over the batch): slot 0 unused, saturation checks, terminated
#: neurons, interpolated neurons, approximated (image, channel) pairs
COUNTERS = ("unused", "checks", "terminated", "interpolated", "approximated")


#: images per block: the unit of work a dynamic decision can skip (one AVX-512 vector of float32)
BLOCK = 64


@njit(cache=True, inline="always")
def _accumulate(xq, wk, ok, p, b0, nb, t0, t1, acc):
    """acc[lane] += w[t] x input[t, lane] for terms t0 <= t < t1 in order, four terms per pass over the lanes (the
    same rounding as one term at a time, a quarter of the accumulator loads and stores)."""
    t = t0
    while t + 4 <= t1:
        w0, w1, w2, w3 = wk[t], wk[t + 1], wk[t + 2], wk[t + 3]
        r0 = xq[ok[t] + p][b0:b0 + nb]
        r1 = xq[ok[t + 1] + p][b0:b0 + nb]
        r2 = xq[ok[t + 2] + p][b0:b0 + nb]
        r3 = xq[ok[t + 3] + p][b0:b0 + nb]
        for lane in range(nb):
            acc[lane] = (((acc[lane] + w0 * r0[lane]) + w1 * r1[lane]) + w2 * r2[lane]) + w3 * r3[lane]
        t += 4
    while t < t1:
        wv = wk[t]
        row = xq[ok[t] + p][b0:b0 + nb]
        for lane in range(nb):
            acc[lane] += wv * row[lane]
        t += 1


@njit(cache=True, inline="always")
def _check(acc, need, limit, lanes, alive, counts):
    """One saturation check of the first ``lanes`` accumulators: a lane still needed stays needed while its partial
    sum is at least ``limit``. Branch-free over the lanes (a per-lane branch here costs as much as the SIMD
    arithmetic). Adds the lanes checked to ``counts[1]`` and those stopped to ``counts[2]``; returns the lanes still
    alive."""
    before = alive
    alive = 0
    for lane in range(lanes):
        live = need[lane] & (acc[lane] >= limit)
        need[lane] = live
        alive += live
    counts[1] += before
    counts[2] += before - alive
    return alive


@njit(cache=True)
def _static(xq, w_sorted, off_sorted, bias, relu, h, w, out):
    n_img = xq.shape[1]
    k_out, n_terms = w_sorted.shape
    wp = w + 2
    buffer = np.empty(BLOCK, np.float32)
    for k in range(k_out):
        for y in range(h):
            for x in range(w):
                p = y * wp + x
                for b0 in range(0, n_img, BLOCK):
                    nb = min(BLOCK, n_img - b0)
                    acc = buffer[:nb]
                    acc[:] = bias[k]
                    _accumulate(xq, w_sorted[k], off_sorted[k], p, b0, nb, 0, n_terms, acc)
                    dst = out[k, y * w + x][b0:b0 + nb]
                    for lane in range(nb):
                        v = acc[lane]
                        dst[lane] = v if (not relu or v > 0) else np.float32(0)


@njit(cache=True)
def _plan(h, w, sig, sim, nb_pos):
    """The padded layout and the visiting order of an ``h`` x ``w`` output map: ``(wp, plane, sdss, order, which,
    n_first)``. ``wp`` and ``plane`` are the padded row length and map size; ``sdss`` whether sampling (``sig`` or
    ``sim`` above 0) is on; ``order`` the positions in visiting order, the stride-2 grid first (or every position
    without sampling), then the positions to interpolate or compute; ``which[i]`` the row of the neighbour tables for
    a second-pass position, -1 for a first-pass one; ``n_first`` first-pass positions."""
    sdss = sig > 0 or sim > 0
    hw = h * w
    order = np.empty(hw, np.int64)
    which = np.full(hw, -1, np.int64)
    n_first = 0
    for y in range(h):
        for x in range(w):
            if not sdss or (y % 2 == 0 and x % 2 == 0):
                order[n_first] = y * w + x
                n_first += 1
    if sdss:
        for u in range(nb_pos.shape[0]):
            order[n_first + u] = nb_pos[u]
            which[n_first + u] = u
    return w + 2, (h + 2) * (w + 2), sdss, order, which, n_first


@njit(cache=True)
def _dynamic(xq, w_sorted, off_sorted, ch_sorted, bias, kernel_sums, relu, h, w, checks, limit, var_limit, sig, sim,
             nb_pos, nb_idx, nb_cnt, out, counts):
    n_img = xq.shape[1]
    k_out, n_terms = w_sorted.shape
    c_in = kernel_sums.shape[1]
    n_checks = checks.shape[0]
    hw = h * w
    wp, plane, sdss, order, which, n_first = _plan(h, w, sig, sim, nb_pos)
    # layer level: variance of each input channel of each image (on the unpadded map)
    use = np.ones((c_in, n_img), np.bool_)
    means = np.zeros((c_in, n_img), np.float32)
    if var_limit > 0:  # vectorised over images: each map row is contiguous across the images
        total = np.empty(n_img, np.float32)
        dev = np.empty(n_img, np.float32)
        for c in range(c_in):
            total[:] = 0
            for y in range(h):
                for x in range(w):
                    row = xq[c * plane + (y + 1) * wp + x + 1]
                    for img in range(n_img):
                        total[img] += row[img]
            for img in range(n_img):
                means[c, img] = total[img] / np.float32(hw)
            dev[:] = 0
            for y in range(h):
                for x in range(w):
                    row = xq[c * plane + (y + 1) * wp + x + 1]
                    for img in range(n_img):
                        d = row[img] - means[c, img]
                        dev[img] += d * d
            for img in range(n_img):
                if dev[img] / np.float32(hw) < var_limit:
                    use[c, img] = False
                    counts[4] += 1
    n_blocks = (n_img + BLOCK - 1) // BLOCK
    all_use = np.ones((c_in, n_blocks), np.bool_)
    block_full = np.ones(n_blocks, np.bool_)
    for c in range(c_in):
        for img in range(n_img):
            if not use[c, img]:
                all_use[c, img // BLOCK] = False
                block_full[img // BLOCK] = False
    buffer = np.empty(BLOCK, np.float32)
    need_buffer = np.empty(BLOCK, np.bool_)
    interp_buffer = np.empty(BLOCK, np.bool_)
    hi_buffer = np.empty(BLOCK, np.float32)
    lo_buffer = np.empty(BLOCK, np.float32)
    sum_buffer = np.empty(BLOCK, np.float32)
    start = np.empty(n_img, np.float32)
    for k in range(k_out):
        for img in range(n_img):
            b = bias[k]
            for c in range(c_in):
                if not use[c, img]:
                    b += means[c, img] * kernel_sums[k, c]
            start[img] = b
        outk = out[k]
        wk, ok, ck = w_sorted[k], off_sorted[k], ch_sorted[k]
        for i in range(hw if sdss else n_first):
            q = order[i]
            u = which[i]
            p = (q // w) * wp + q % w
            for b0 in range(0, n_img, BLOCK):
                nb = min(BLOCK, n_img - b0)
                acc = buffer[:nb]
                need = need_buffer[:nb]
                acc[:] = start[b0:b0 + nb]
                need[:] = True
                interp = interp_buffer[:nb]
                interp[:] = False
                alive = nb
                if u >= 0:  # second pass: interpolate from the grid neighbours or compute (vectorised over lanes)
                    d = nb_cnt[u]
                    first = outk[nb_idx[u, 0]][b0:b0 + nb]
                    hi = hi_buffer[:nb]
                    lo = lo_buffer[:nb]
                    total = sum_buffer[:nb]
                    hi[:] = first
                    lo[:] = first
                    total[:] = first
                    for r in range(1, d):
                        nbr = outk[nb_idx[u, r]][b0:b0 + nb]
                        for lane in range(nb):
                            v = nbr[lane]
                            total[lane] += v
                            hi[lane] = max(hi[lane], v)
                            lo[lane] = min(lo[lane], v)
                    scale = np.float32(1) / np.float32(d)
                    dst = outk[q][b0:b0 + nb]
                    for lane in range(nb):
                        take = ((sig > 0) & (hi[lane] < sig)) | ((sim > 0) & (hi[lane] - lo[lane] < sim))
                        interp[lane] = take
                        need[lane] = not take
                        alive -= take
                        if take:
                            dst[lane] = total[lane] * scale
                    counts[3] += nb - alive
                    if alive == 0:
                        continue
                # the neuron: terms in order, saturation checks at the check points
                full = block_full[b0 // BLOCK]
                t = 0
                for j in range(n_checks + 1):
                    stop = checks[j] if j < n_checks else n_terms
                    if full:  # no approximated channel in this block: the static inner loop
                        # every lane, stopped ones too: a masked SIMD lane costs as much as a live one, and a
                        # stopped lane's accumulator is never read again
                        _accumulate(xq, wk, ok, p, b0, nb, t, stop, acc)
                    else:
                        for tt in range(t, stop):
                            c = ck[tt]
                            wv = wk[tt]
                            row = xq[ok[tt] + p][b0:b0 + nb]
                            uc = use[c][b0:b0 + nb]
                            for lane in range(nb):  # a select, not a branch, so it vectorises
                                acc[lane] = acc[lane] + wv * row[lane] if uc[lane] else acc[lane]
                    t = stop
                    if j < n_checks:
                        alive = _check(acc, need, limit, nb, alive, counts)
                        if alive == 0:
                            break
                dst = outk[q][b0:b0 + nb]
                for lane in range(nb):
                    v = acc[lane]
                    keep = need[lane] & ((not relu) | (v > 0))
                    if not interp[lane]:
                        dst[lane] = v if keep else np.float32(0)


#: float32 lanes of one AVX-512 vector: the output channels a per-image kernel computes at once
VEC = 16


@njit(cache=True)
def _channels(xq, w_lanes, off_g, ch_g, bias, kernel_sums, relu, h, w, checks, limit, var_limit, sig, sim, nb_pos,
              nb_idx, nb_cnt, out, counts):
    k_out = out.shape[0]
    n_groups, n_terms, _ = w_lanes.shape
    c_in = kernel_sums.shape[1]
    n_checks = checks.shape[0]
    hw = h * w
    wp, plane, sdss, order, which, n_first = _plan(h, w, sig, sim, nb_pos)
    # layer level: mean and variance of each input channel of this image (unpadded map)
    use = np.ones(c_in, np.bool_)
    means = np.zeros(c_in, np.float32)
    n_off = 0
    if var_limit > 0:
        for c in range(c_in):
            total = np.float32(0)
            for y in range(h):
                base = c * plane + (y + 1) * wp + 1
                for x in range(w):
                    total += xq[base + x]
            mean = total / np.float32(hw)
            dev = np.float32(0)
            for y in range(h):
                base = c * plane + (y + 1) * wp + 1
                for x in range(w):
                    d = xq[base + x] - mean
                    dev += d * d
            means[c] = mean
            if dev / np.float32(hw) < var_limit:
                use[c] = False
                n_off += 1
        counts[4] += n_off
    w_kept = np.empty((n_terms, w_lanes.shape[2]), np.float32)
    off_kept = np.empty(n_terms, np.int64)
    checks_kept = np.empty(n_checks, np.int64)
    width = w_lanes.shape[2]
    acc = np.empty(width, np.float32)
    start = np.empty(width, np.float32)
    need = np.empty(width, np.bool_)
    interp = np.empty(width, np.bool_)
    for g in range(n_groups):
        k0 = g * width
        lanes = min(width, k_out - k0)
        for lane in range(width):
            start[lane] = bias[k0 + lane]
        if n_off:
            for lane in range(lanes):
                for c in range(c_in):
                    if not use[c]:
                        start[lane] += means[c] * kernel_sums[k0 + lane, c]
        # this image's term list of the group, without the terms of approximated channels (compacted; check points
        # keep their places in the global order); also a contiguous copy when nothing is dropped, so the inner loop
        # has one array type
        n = 0
        j = 0
        for t in range(n_terms):
            while j < n_checks and checks[j] == t:
                checks_kept[j] = n
                j += 1
            if use[ch_g[g, t]]:
                for lane in range(width):
                    w_kept[n, lane] = w_lanes[g, t, lane]
                off_kept[n] = off_g[g, t]
                n += 1
        for jj in range(j, n_checks):
            checks_kept[jj] = n
        wk, ok, ck = w_kept, off_kept, checks_kept
        for i in range(hw if sdss else n_first):
            q = order[i]
            u = which[i]
            for lane in range(width):
                need[lane] = lane < lanes
                interp[lane] = False
            alive = lanes
            if u >= 0:  # second pass: interpolate each channel from its grid neighbours when they agree
                d = nb_cnt[u]
                for lane in range(lanes):
                    outk = out[k0 + lane]
                    hi = lo = total = outk[nb_idx[u, 0]]
                    for r in range(1, d):
                        v = outk[nb_idx[u, r]]
                        total += v
                        hi = max(hi, v)
                        lo = min(lo, v)
                    if ((sig > 0) and (hi < sig)) or ((sim > 0) and (hi - lo < sim)):
                        outk[q] = total / np.float32(d)
                        interp[lane] = True
                        need[lane] = False
                        alive -= 1
                counts[3] += lanes - alive
                if alive == 0:
                    continue
            p = (q // w) * wp + q % w
            acc[:] = start
            t = 0
            for j in range(n_checks + 1):
                stop = ck[j] if j < n_checks else n
                for tt in range(t, stop):  # one input broadcast to the group's channels: a dense vector FMA
                    xv = xq[ok[tt] + p]
                    row = wk[tt]
                    for lane in range(width):  # a run-time bound: LLVM vectorises it with an alias check (a
                        acc[lane] += row[lane] * xv  # constant 16 is unrolled to scalars instead, measured ~3x slower)
                t = stop
                if j < n_checks:
                    alive = _check(acc, need, limit, width, alive, counts)
                    if alive == 0:  # every channel of the group stopped at this position: its remaining terms go
                        break
            for lane in range(lanes):
                if not interp[lane]:
                    v = acc[lane]
                    out[k0 + lane, q] = v if (need[lane] and ((not relu) or v > 0)) else np.float32(0)


class Prepared:
    """A layer's sorted weights and input offsets for a given input size (done once, offline)."""

    def __init__(self, layer: ConvLayer):
        c, h, w = layer.in_shape
        self.layer, self.h, self.w = layer, h, w
        t = np.arange(layer.n_terms)
        ch, r = t // 9, t % 9
        offsets = ch * (h + 2) * (w + 2) + (r // 3) * (w + 2) + r % 3
        self.w_sorted = np.ascontiguousarray(np.take_along_axis(layer.flat, layer.order, axis=1))
        self.off_sorted = np.ascontiguousarray(offsets[layer.order].astype(np.int64))
        self.ch_sorted = np.ascontiguousarray(ch[layer.order].astype(np.int64))
        self.kernel_sums = np.ascontiguousarray(layer.kernel_sums.astype(np.float32))
        self.bias = np.ascontiguousarray(layer.bias.astype(np.float32))


def pad(x: np.ndarray) -> np.ndarray:
    """Maps [N, C, H, W] zero-padded by one pixel and laid out images-innermost: [C * (H + 2) * (W + 2), N]."""
    n, c, h, w = x.shape
    xq = np.zeros((c, h + 2, w + 2, n), np.float32)
    xq[:, 1:-1, 1:-1, :] = x.transpose(1, 2, 3, 0)
    return xq.reshape(-1, n)


def conv_static(prep: Prepared, xp: np.ndarray) -> np.ndarray:
    """Static convolution (+ ReLU when the layer has one) of padded maps ``xp`` -> [N, K, H, W]."""
    out = np.empty((prep.layer.out_channels, prep.h * prep.w, xp.shape[1]), np.float32)
    _static(xp, prep.w_sorted, prep.off_sorted, prep.bias, prep.layer.relu, prep.h, prep.w, out)
    return unlayout(out, prep.h, prep.w)


def conv_dynamic(prep: Prepared, xp: np.ndarray, effort: LayerEffort, net: DynamicNet) -> tuple[np.ndarray, dict]:
    """Dynamic-effort convolution of padded maps ``xp`` with one layer's thresholds; output and :data:`COUNTERS`."""
    layer, cal = prep.layer, net.calibration
    if effort.spet_on and not layer.relu:
        raise ValueError(f"saturation prediction asked for layer {layer.name!r}, which has no ReLU after it")
    out = np.empty((layer.out_channels, prep.h * prep.w, xp.shape[1]), np.float32)
    counts = np.zeros(len(COUNTERS), np.int64)
    checks = np.array(layer.checkpoints(effort), dtype=np.int64)
    pos, idx, cnt = net._neighbours(prep.h, prep.w)
    act = cal.act_std[layer.name]
    _dynamic(xp, prep.w_sorted, prep.off_sorted, prep.ch_sorted, prep.bias, prep.kernel_sums, layer.relu, prep.h,
             prep.w, checks, np.float32(-effort.spet_threshold * cal.pre_std[layer.name]),
             np.float32(effort.var_threshold * cal.var_ref[layer.name]), np.float32(effort.sig_threshold * act),
             np.float32(effort.sim_threshold * act), pos, np.ascontiguousarray(np.maximum(idx, 0)), cnt, out, counts)
    return unlayout(out, prep.h, prep.w), dict(zip(COUNTERS, counts.tolist()))


def unlayout(out: np.ndarray, h: int, w: int) -> np.ndarray:
    """Kernel output [K, H * W, N] -> [N, K, H, W]."""
    k, _, n = out.shape
    return np.ascontiguousarray(out.transpose(2, 0, 1)).reshape(n, k, h, w)



class ChannelPlan:
    """One layer of a shared-order network (:meth:`~workbench.dyvedeep.engine.DynamicNet.with_shared_order` with
    ``group`` = :data:`VEC`) prepared for the per-image kernel with one layer's thresholds (offline, once per setting).

    The kernel computes one image. Its vector lanes are the :data:`VEC` output channels of a group, which share one
    term order, so each term is one input value broadcast against a contiguous row of VEC weights (no gather). Per
    neuron (channel lane, position) it makes the engine's decisions on that network: a lane whose partial sum is
    below ``-T`` at a check point is masked and outputs 0, and the group's remaining terms at that position are
    skipped when every lane has stopped; an approximated input channel's terms are removed from this image's term
    list (compacted, check points kept at their places in the global order) and its mean x kernel sum added to the
    start; with selective sampling a group's position is computed only if some channel is not interpolated. A check
    compares whole vectors, so every check point is aligned to the SIMD width whatever its term count.

    With every mechanism off it is the static per-image kernel of the same loop structure.
    """

    def __init__(self, layer: ConvLayer, effort: LayerEffort, net: DynamicNet, group: int = VEC):
        k, c = layer.out_channels, layer.in_channels
        groups = -(-k // group)
        firsts = layer.order[::group]
        if any((layer.order[g * group:(g + 1) * group] != firsts[g]).any() for g in range(groups)):
            raise ValueError(f"layer {layer.name!r} has no term order shared by each group of {group} channels; the "
                             f"per-image kernel needs one (DynamicNet.with_shared_order({group}))")
        if effort.spet_on and not layer.relu:
            raise ValueError(f"saturation prediction asked for layer {layer.name!r}, which has no ReLU after it")
        _, h, w = layer.in_shape
        t = np.arange(layer.n_terms)
        offsets = (t // 9) * (h + 2) * (w + 2) + ((t % 9) // 3) * (w + 2) + t % 3
        flat = np.zeros((groups * group, layer.n_terms), np.float32)
        flat[:k] = layer.flat
        self.w_lanes = np.ascontiguousarray(np.stack([flat[g * group:(g + 1) * group, firsts[g]].T
                                                      for g in range(groups)]))
        self.off_g = np.ascontiguousarray(offsets[firsts].astype(np.int64))
        self.ch_g = np.ascontiguousarray((t // 9)[firsts].astype(np.int64))
        bias = np.zeros(groups * group, np.float32)
        bias[:k] = layer.bias
        sums = np.zeros((groups * group, c), np.float32)
        sums[:k] = layer.kernel_sums
        cal = net.calibration
        act = cal.act_std[layer.name]
        pos, idx, cnt = net._neighbours(h, w)
        self.layer, self.h, self.w = layer, h, w
        self.args = (self.w_lanes, self.off_g, self.ch_g, bias, sums, layer.relu, h, w,
                     np.array(layer.checkpoints(effort), dtype=np.int64),
                     np.float32(-effort.spet_threshold * cal.pre_std[layer.name]),
                     np.float32(effort.var_threshold * cal.var_ref[layer.name]), np.float32(effort.sig_threshold * act),
                     np.float32(effort.sim_threshold * act), pos, np.ascontiguousarray(np.maximum(idx, 0)), cnt)

    def run(self, xp: np.ndarray, out: np.ndarray | None = None, counts: np.ndarray | None = None) -> np.ndarray:
        """The layer on one image: ``xp`` = :func:`pad` of it, flattened -> [K, H * W] (into ``out``);
        :data:`COUNTERS` added into ``counts``."""
        out = np.empty((self.layer.out_channels, self.h * self.w), np.float32) if out is None else out
        counts = np.zeros(len(COUNTERS), np.int64) if counts is None else counts
        _channels(xp, *self.args, out, counts)
        return out
