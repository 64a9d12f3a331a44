"""Kernel access mixes and the with/without-CiM comparison."""

import pytest

from workbench.mram import system


@pytest.mark.parametrize("kernel", system.KERNELS)
def test_cim_moves_work_into_memory(kernel):
    base = system.kernel_mix(kernel, 1024, cim=False)
    cim = system.kernel_mix(kernel, 1024, cim=True)
    assert cim.reads < base.reads and cim.bus_words < base.bus_words and cim.cycles < base.cycles
    assert cim.cim_ops > 0 and base.cim_ops == 0


def test_mix_counts_scale_with_elements():
    small, large = system.kernel_mix("vadd", 100, cim=False), system.kernel_mix("vadd", 200, cim=False)
    assert large.reads == 2 * small.reads and large.writes == 2 * small.writes
    acc = system.kernel_mix("dnn_acc", 64, cim=False, k_partial=5)
    assert acc.writes == 4 * 64


def test_compare_ratios_consistent_with_runs():
    c = system.compare("bitwise", 2048, kind="stt")
    assert c["memory_energy_ratio"] == pytest.approx(c["base"].memory_energy_j / c["cim"].memory_energy_j)
    assert c["memory_energy_ratio"] > 1 and c["speedup"] > 1


def test_bad_kernel_and_size():
    with pytest.raises(ValueError, match="kernel"):
        system.kernel_mix("fft", 10, cim=False)
    with pytest.raises(ValueError, match="n=0"):
        system.kernel_mix("vadd", 0, cim=False)
