"""Compiled (numba) static and dynamic-effort 3x3 convolutions with the same loop structure, for honest timing.

Both kernels take a batch of zero-padded input maps and one layer of :class:`workbench.dyvedeep.engine.ConvLayer`
(BN folded) and write the post-activation output. Loop structure, shared: for each output channel, output position
and block of up to :data:`BLOCK` images, accumulators start at the bias; the terms are visited in the channel's
offline order (descending |w|); for each term the inner loop runs over the block's images (inputs are laid out
images-innermost, so that loop is contiguous and vectorises). The static kernel runs every neuron to the end; the
dynamic kernel makes the paper's decisions per neuron and image, and skips work at block granularity:

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
def _dynamic(xq, w_sorted, off_sorted, ch_sorted, bias, kernel_sums, relu, h, w, checks, limit, var_limit, sig, sim,
             nb_pos, nb_idx, nb_cnt, out, counts):
    n_img = xq.shape[1]
    k_out, n_terms = w_sorted.shape
    c_in = kernel_sums.shape[1]
    n_checks = checks.shape[0]
    wp = w + 2
    hw = h * w
    plane = (h + 2) * wp
    sdss = sig > 0 or sim > 0
    # work list: the stride-2 grid first (or every position without sampling), then the positions to interpolate
    # or compute; which[i] is the row of the neighbour tables for a second-pass position, -1 for a first-pass one
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
                        # branch-free over the block (a per-lane branch here costs as much as the SIMD arithmetic)
                        before = alive
                        alive = 0
                        for lane in range(nb):
                            live = need[lane] & (acc[lane] >= limit)
                            need[lane] = live
                            alive += live
                        counts[1] += before
                        counts[2] += before - alive
                        if alive == 0:
                            break
                dst = outk[q][b0:b0 + nb]
                for lane in range(nb):
                    v = acc[lane]
                    keep = need[lane] & ((not relu) | (v > 0))
                    if not interp[lane]:
                        dst[lane] = v if keep else np.float32(0)


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
