"""The vectorised dynamic-effort engine against the static network, a literal scalar reference and torch's counts."""

import copy
import dataclasses

import numpy as np
import pytest
import torch
from torch import nn

from workbench.dyvedeep import reference
from workbench.dyvedeep.effort import Effort
from workbench.dyvedeep.engine import OVERHEADS, DynamicNet
from workbench.nn import count_macs


def tiny_model(seed: int = 0, relu_last: bool = True) -> nn.Sequential:
    torch.manual_seed(seed)
    bn = nn.BatchNorm2d(3)
    with torch.no_grad():
        bn.running_mean.uniform_(-0.2, 0.2)
        bn.running_var.uniform_(0.5, 1.5)
        bn.weight.uniform_(0.5, 1.5)
        bn.bias.uniform_(-0.2, 0.2)
    return nn.Sequential(
        nn.Conv2d(2, 3, 3, padding=1, bias=False), bn, nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(3, 4, 3, padding=1), *([nn.ReLU()] if relu_last else []),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 3),
    ).eval()


@pytest.fixture(scope="module")
def tiny():
    rng = np.random.default_rng(0)
    images = rng.normal(size=(6, 2, 6, 6)).astype(np.float32)
    images[0, 1] = 0.3 + 0.01 * images[0, 1]  # a nearly constant channel for the variance test
    net = DynamicNet(tiny_model(), (2, 6, 6), calibration_images=rng.normal(size=(16, 2, 6, 6)).astype(np.float32))
    return net, images


SETTINGS = {
    "spet": Effort(spet_fraction=0.3, spet_threshold=0.2, spet_chunk=4),
    "sig": Effort(sig_threshold=0.8),
    "sim": Effort(sim_threshold=0.6),
    "var": Effort(var_threshold=0.2),
    "all": Effort(spet_fraction=0.25, spet_threshold=0.1, spet_chunk=5, sig_threshold=0.5, sim_threshold=0.4,
                  var_threshold=0.2),
}


def test_static_network_matches_torch(tiny):
    net, images = tiny
    with torch.no_grad():
        expected = tiny_model()(torch.from_numpy(images)).numpy()
    np.testing.assert_allclose(net.static_forward(images), expected, atol=1e-5)


def test_exact_setting_is_the_static_network_bit_for_bit_with_its_op_count(tiny):
    net, images = tiny
    result = net.run(images)
    assert np.array_equal(result.logits, net.static_forward(images))
    for stats in result.layers:
        assert stats.dynamic_ops == stats.static_ops and stats.overhead_ops == 0
    # independent counts: literal enumeration, and torch's flop counter (2 ops per MAC plus one ReLU comparison)
    assert {s.name: s.static_ops // len(images) for s in result.layers} == reference.static_ops(net)
    macs = count_macs(tiny_model(), (2, 6, 6)).layers
    assert result.layers[0].static_ops // len(images) == 2 * macs["0"].macs + 3 * 36
    assert result.layers[1].static_ops // len(images) == 2 * macs["4"].macs + 4 * 9
    for image in images[:2]:
        logits, counters = reference.forward(net, image)
        np.testing.assert_allclose(logits, net.static_forward(image[None])[0], atol=1e-4)
        for stats in result.layers:
            assert counters[stats.name].total == stats.static_ops // len(images)


@pytest.mark.parametrize("setting", list(SETTINGS))
def test_engine_agrees_with_the_literal_reference(tiny, setting):
    net, images = tiny
    effort = SETTINGS[setting]
    for i, image in enumerate(images):
        result = net.run(image[None], effort)
        logits, counters = reference.forward(net, image, effort)
        np.testing.assert_allclose(result.logits[0], logits, atol=1e-4, err_msg=f"image {i}")
        for stats in result.layers:
            ops = counters[stats.name].ops
            assert stats.mac_ops == ops.get("mac_ops", 0), (i, stats.name)
            assert stats.activation_ops == ops.get("activation_ops", 0), (i, stats.name)
            for category in OVERHEADS:
                assert getattr(stats, category) == ops.get(category, 0), (i, stats.name, category)
    # the setting does something on this data
    total = net.run(images, effort)
    assert total.dynamic_ops != total.static_ops


@pytest.mark.parametrize("setting", ["spet", "sig", "sim", "var"])
def test_each_mechanism_alone_costs_at_most_static_plus_its_checks(tiny, setting):
    net, images = tiny
    rng = np.random.default_rng(1)
    for scale in (0.01, 0.5, 2.0, 9.0):
        field = {"spet": "spet_threshold", "sig": "sig_threshold", "sim": "sim_threshold", "var": "var_threshold"}
        effort = Effort(**{field[setting]: scale, **({"spet_fraction": 0.2} if setting == "spet" else {})})
        result = net.run(rng.normal(size=(4, 2, 6, 6)).astype(np.float32), effort)
        for stats in result.layers:
            assert stats.mac_ops + stats.activation_ops <= stats.static_ops
            assert stats.dynamic_ops <= stats.static_ops + stats.overhead_ops
            terms = stats.mac_ops // 2 + stats.skipped_var + stats.skipped_sdss + stats.skipped_spet
            assert terms == stats.static_terms  # every term is either computed or skipped by one mechanism


def test_per_layer_override_applies_to_that_layer_only(tiny):
    net, images = tiny
    result = net.run(images, Effort(layers={"4": {"sig_threshold": 1.0}}))
    first, second = result.layers
    assert first.sdss_checks == 0 and second.sdss_checks > 0


def test_per_layer_scale_list(tiny):
    net, images = tiny
    effort = Effort(sig_threshold=0.5, var_threshold=0.1).scaled({"0": 2.0, "4": 0.0})
    assert effort.for_layer("0").sig_threshold == 1.0 and effort.for_layer("0").var_threshold == 0.2
    assert effort.for_layer("4").sig_threshold == 0.0
    first, second = net.run(images, effort).layers
    assert first.sdss_checks > 0 and second.sdss_checks == 0 and second.variance == 0
    with pytest.raises(ValueError, match="layer 'conv9'.*does not have"):
        net.run(images, Effort(sig_threshold=0.5).scaled({"conv9": 1.0}))
    with pytest.raises(ValueError, match="sig_threshold=50"):
        Effort(sig_threshold=5.0).scaled({"0": 10.0})


def test_bad_input_is_named():
    net = DynamicNet(tiny_model(relu_last=False), (2, 6, 6))
    with pytest.raises(ValueError, match="spet_threshold=-1"):
        Effort(spet_threshold=-1)
    with pytest.raises(ValueError, match="spet_fraction=0"):
        Effort(spet_fraction=0)
    with pytest.raises(ValueError, match="var_threshold=11"):
        Effort(layers={"0": {"var_threshold": 11}})
    with pytest.raises(ValueError, match="unknown effort field 'tsat'"):
        Effort(layers={"0": {"tsat": 1}})
    with pytest.raises(ValueError, match="'conv9'.*does not have"):
        net.run(np.zeros((1, 2, 6, 6), np.float32), Effort(layers={"conv9": {"sig_threshold": 1}}))
    with pytest.raises(ValueError, match="saturation prediction.*'4'.*no ReLU"):
        net.run(np.zeros((1, 2, 6, 6), np.float32), Effort(spet_fraction=0.5))
    # a per-layer override that switches it off there is fine
    net.run(np.zeros((1, 2, 6, 6), np.float32), Effort(spet_fraction=0.5, layers={"4": {"spet_fraction": 1.0}}))
    with pytest.raises(ValueError, match="only 3x3"):
        DynamicNet(nn.Sequential(nn.Conv2d(1, 2, 5, padding=2), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                                 nn.Linear(2, 2)), (1, 6, 6))


@pytest.mark.parametrize("setting", list(SETTINGS))
def test_a_run_of_many_images_is_the_sum_of_their_single_image_runs(tiny, setting):
    """The engine counts per image and adds up (stopped neurons by check point, not one array per neuron): every
    per-layer count of a batch, the termination and sampling counts included, and its maps equal those of its images
    run one by one (the logits to float rounding: BLAS sums a batch in another order), and the terms add up to the
    static count."""
    net, images = tiny
    effort = SETTINGS[setting]
    together = net.run(images, effort, keep_maps=True)
    alone = [net.run(image[None], effort, keep_maps=True) for image in images]
    np.testing.assert_allclose(together.logits, np.concatenate([r.logits for r in alone]), rtol=1e-6, atol=1e-6)
    for index, stats in enumerate(together.layers):
        for name in ("mac_ops", "activation_ops", *OVERHEADS, "terminated", "interpolated", "approximated_channels",
                     "skipped_var", "skipped_sdss", "skipped_spet"):
            assert getattr(stats, name) == sum(getattr(r.layers[index], name) for r in alone), (stats.name, name)
        terms = stats.mac_ops // 2 + stats.skipped_var + stats.skipped_sdss + stats.skipped_spet
        assert terms == stats.static_terms
        for kind, stacked in together.maps[stats.name].items():
            assert np.array_equal(stacked, np.concatenate([r.maps[stats.name][kind] for r in alone])), kind
    if effort.spet_on:
        assert sum(s.terminated for s in together.layers) > 0  # the early exits are exercised


def _uncached(net: DynamicNet) -> DynamicNet:
    """A copy of ``net`` (same layers and calibration) whose layer-front cache keeps nothing."""
    from workbench.dyvedeep.engine import _FrontCache

    fresh = copy.copy(net)
    fresh._front_cache = _FrontCache(0)
    return fresh


def _same_run(a, b) -> bool:
    return (np.array_equal(a.logits, b.logits) and a.other_ops == b.other_ops
            and [dataclasses.astuple(s) for s in a.layers] == [dataclasses.astuple(s) for s in b.layers]
            and all(np.array_equal(a.maps[n][k], b.maps[n][k]) for n in a.maps for k in a.maps[n]))


def test_cached_layer_fronts_change_no_result(tiny):
    """The engine caches what a layer computes before its saturation threshold (keyed by the layer's input bytes,
    variance setting and check points): over sweeps of every threshold, visited in two orders (the second visit
    reads the cache), every result equals that of the same network without the cache, bit for bit; and the cache is
    used (inputs recur across saturation thresholds)."""
    net, images = tiny
    net = copy.copy(net)
    net._front_cache = type(net._front_cache)(net._front_cache.max_bytes)
    uncached = _uncached(net)
    grid = [Effort(spet_fraction=f, spet_threshold=t, spet_chunk=c, sig_threshold=s, sim_threshold=m,
                   var_threshold=v)
            for f in (0.2, 0.5, 1.0) for t in (0.0, 0.3, 1.5) for c in (2, 5) for s, m in ((0, 0), (0.5, 0.4))
            for v in (0.0, 0.2, 0.6)]
    for effort in grid + grid[::-1]:
        assert _same_run(net.run(images, effort, keep_maps=True), uncached.run(images, effort, keep_maps=True)), effort
    layer_runs = len(grid) * len(net.convs)
    assert 0 < len(net._front_cache._items) < layer_runs / 2
    assert not uncached._front_cache._items
    # another calibration (its variance reference is part of the key): results follow it
    scaled = dataclasses.replace(net.calibration, var_ref={k: 3 * v for k, v in net.calibration.var_ref.items()})
    net.calibration = uncached.calibration = scaled
    for effort in grid[:12]:
        assert _same_run(net.run(images, effort), uncached.run(images, effort)), effort


def test_front_cache_keeps_the_most_recent_fronts_within_its_bytes():
    from workbench.dyvedeep.engine import _Front, _FrontCache

    def front(values: int) -> _Front:
        return _Front(np.zeros((1, 1), bool), np.zeros(values, np.float32), None, 0, 0, 0)

    size = front(100).nbytes + 3  # each key below holds 3 bytes
    cache = _FrontCache(3 * size)
    for name in "abcd":
        cache.put((name, b"xyz"), front(100))
        if name == "b":
            assert cache.get(("a", b"xyz")) is not None  # "a" is now the most recently used
    assert [key[0] for key in cache._items] == ["a", "c", "d"] and cache._bytes == 3 * size
    cache.put(("big", b"xyz"), front(400))  # larger than the whole cache: not kept
    assert cache.get(("big", b"xyz")) is None and cache._bytes == 3 * size
    with pytest.raises(ValueError, match="read-only"):
        cache.get(("a", b"xyz")).out[0] = 1.0
