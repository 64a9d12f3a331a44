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
