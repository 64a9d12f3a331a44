"""The compiled kernels: static equals the numpy static layer, dynamic with every mechanism off equals static bit for
bit, and with the mechanisms on it makes (nearly) the engine's decisions."""

import numpy as np
import pytest

from workbench.dyvedeep import kernels
from workbench.dyvedeep.effort import Effort
from workbench.dyvedeep.engine import _maxpool, im2col
from workbench.dyvedeep.network import trained_network


@pytest.fixture(scope="module")
def trained():
    return trained_network(0)


def test_static_kernel_and_exact_dynamic_kernel(trained):
    net = trained.net
    x = trained.x_test[:20]
    for layer in net.convs:
        prep = kernels.Prepared(layer)
        xq = kernels.pad(x)
        static = kernels.conv_static(prep, xq)
        n, _, h, w = x.shape
        numpy_static = np.maximum((im2col(x) @ layer.flat.T + layer.bias).reshape(n, h, w, -1).transpose(0, 3, 1, 2),
                                  0)
        np.testing.assert_allclose(static, numpy_static, atol=1e-4)
        exact, counts = kernels.conv_dynamic(prep, xq, Effort().for_layer(layer.name), net)
        assert np.array_equal(exact, static)
        assert counts["checks"] == counts["terminated"] == counts["interpolated"] == counts["approximated"] == 0
        x = _maxpool(static) if layer.pool else static


def test_dynamic_kernel_makes_the_engines_decisions(trained):
    net = trained.net
    effort = Effort(spet_fraction=0.25, spet_threshold=0.5, sig_threshold=0.2, sim_threshold=0.1, var_threshold=0.5)
    x = trained.x_test[:20]
    stats = net.run(x, effort).layers[0]  # first layer: both see the same input
    layer = net.convs[0]
    _, counts = kernels.conv_dynamic(kernels.Prepared(layer), kernels.pad(x), effort.for_layer(layer.name), net)
    # same mechanism, different summation order (sorted terms vs BLAS): decisions agree up to ties
    assert counts["approximated"] == stats.approximated_channels
    assert abs(counts["terminated"] - stats.terminated) <= 0.01 * stats.neurons
    assert abs(counts["interpolated"] - stats.interpolated) <= 0.01 * stats.neurons
    assert abs(counts["checks"] - stats.spet_checks) <= 0.01 * stats.spet_checks + 1


def test_saturation_on_a_layer_without_relu_is_refused(trained):
    layer = trained.net.convs[0]
    prep = kernels.Prepared(layer)
    layer.relu = False
    try:
        with pytest.raises(ValueError, match="features.0.*no ReLU"):
            kernels.conv_dynamic(prep, kernels.pad(trained.x_test[:2]), Effort(spet_fraction=0.5).for_layer("x"),
                                 trained.net)
    finally:
        layer.relu = True


@pytest.mark.parametrize("group", [kernels.VEC, 2 * kernels.VEC])
def test_per_image_channel_kernel_is_the_static_layer_and_makes_the_batch_kernels_decisions(trained, group):
    net = trained.net.with_shared_order(group)
    effort = Effort(spet_fraction=0.25, spet_threshold=0.5, sig_threshold=0.2, sim_threshold=0.1, var_threshold=0.5)
    x = trained.x_test[:12]
    for layer in net.convs:
        n, _, h, w = x.shape
        prep = kernels.Prepared(layer)
        static = kernels.conv_static(prep, kernels.pad(x))
        images = [kernels.pad(x[i:i + 1]).reshape(-1) for i in range(n)]
        off = kernels.ChannelPlan(layer, Effort().for_layer(layer.name), net, group)
        per_image = np.stack([off.run(xp) for xp in images]).reshape(static.shape)
        np.testing.assert_allclose(per_image, static, atol=1e-4)
        plan = kernels.ChannelPlan(layer, effort.for_layer(layer.name), net, group)
        counts = np.zeros(len(kernels.COUNTERS), np.int64)
        dynamic = np.stack([plan.run(xp, counts=counts) for xp in images]).reshape(static.shape)
        batch, batch_counts = kernels.conv_dynamic(prep, kernels.pad(x), effort.for_layer(layer.name), net)
        # same network, same decisions per neuron: the counters agree exactly (sums differ only in rounding)
        assert dict(zip(kernels.COUNTERS, counts.tolist())) == batch_counts
        assert batch_counts["terminated"] > 0 and batch_counts["interpolated"] > 0
        np.testing.assert_allclose(dynamic, batch, atol=1e-4)
        x = _maxpool(static) if layer.pool else static


def test_shared_order_is_one_order_per_group_and_leaves_the_static_network_alone(trained):
    net = trained.net
    assert all(np.array_equal(a.order, b.order) for a, b in zip(net.convs, net.with_shared_order(1).convs))
    shared = net.with_shared_order(kernels.VEC)
    for layer, base in zip(shared.convs, net.convs):
        for g0 in range(0, layer.out_channels, kernels.VEC):
            assert (layer.order[g0:g0 + kernels.VEC] == layer.order[g0]).all()
            score = np.abs(layer.flat[g0:g0 + kernels.VEC]).sum(axis=0)[layer.order[g0]]
            assert (np.diff(score) <= 0).all()  # descending summed |w|
        np.testing.assert_array_equal(np.take_along_axis(layer.order, layer.rank, axis=1),
                                      np.tile(np.arange(layer.n_terms), (layer.out_channels, 1)))
        assert base.order is not layer.order
    x = trained.x_test[:30]
    np.testing.assert_allclose(shared.static_forward(x), net.static_forward(x), atol=1e-5)
    with pytest.raises(ValueError, match="with_shared_order"):
        kernels.ChannelPlan(net.convs[1], Effort().for_layer(net.convs[1].name), net)
    with pytest.raises(ValueError, match="group"):
        net.with_shared_order(0)
