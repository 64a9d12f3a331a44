"""Kernel access mixes and the with/without-CiM comparison."""

import math

import pytest

from workbench.mram import system
from workbench.mram.array import ArrayConfig, evaluate
from workbench.mram.cim import cim_access_energy
from workbench.mram.params import section


@pytest.mark.parametrize("kernel", system.KERNELS)
def test_cim_moves_work_into_memory(kernel):
    base = system.kernel_mix(kernel, 1024, cim=False)
    cim = system.kernel_mix(kernel, 1024, cim=True, words_per_access=8)
    assert cim.reads < base.reads and cim.bus_words < base.bus_words and cim.cycles < base.cycles
    assert cim.cim_ops > 0 and base.cim_ops == 0


def test_one_word_search_sends_more_bus_words_than_it_saves():
    """At one word per access every CiM compare is a bus command, plus the packed match flags."""
    base = system.kernel_mix("search", 1024, cim=False)
    cim = system.kernel_mix("search", 1024, cim=True, words_per_access=1)
    assert cim.bus_words == base.bus_words + 1024 / 32


@pytest.mark.parametrize("width", [1, 2, 8])
def test_cim_time_and_energy_count_one_access_per_width_words(width):
    a = ArrayConfig(words_per_access=width)
    n = 4096
    run = system.run_kernel("vadd", n, kind="stt", cim=True, array=a)
    r, c = evaluate("stt", array=a), cim_access_energy("stt", array=a)
    accesses = math.ceil(n / width)
    assert run.mix.cycles == 3 * accesses
    s = section("array_45nm", "system")
    t_clk = s["clock_ns"] * 1e-9
    assert run.time_s == pytest.approx(run.mix.cycles * t_clk + accesses * (c["t_cim_s"] + r.write_latency_s))
    e_bus = system.bus_word_energy_j()
    assert run.memory_energy_j == pytest.approx(accesses * (c["e_cim_j"] + r.write_energy_j) + accesses * e_bus)


@pytest.mark.parametrize("cim", [False, True])
def test_writing_changed_bits_reads_first_and_drives_half_the_bits(cim):
    a = ArrayConfig()
    full = system.run_kernel("vadd", 1024, kind="stt", cim=cim, write_back="always")
    changed = system.run_kernel("vadd", 1024, kind="stt", cim=cim, write_back="changed_bits")
    r = evaluate("stt", array=a)
    shared = r.write_parts_j["wordline"]
    per_write = (r.read_energy_j - (1 - system.CHANGED_BIT_FRACTION) * (r.write_energy_j - shared))
    assert changed.memory_energy_j - full.memory_energy_j == pytest.approx(1024 * per_write)
    # the read before the write adds its latency (the core hides an access shorter than its clock cycle)
    assert changed.time_s > full.time_s if cim else changed.time_s >= full.time_s
    search = [system.run_kernel("search", 1024, kind="stt", cim=cim, write_back=w) for w in system.WRITE_BACK]
    assert search[0].memory_energy_j == search[1].memory_energy_j  # nothing written, nothing to compare
    with pytest.raises(ValueError, match="write_back"):
        system.run_kernel("vadd", 8, kind="stt", write_back="never")


def test_wider_access_amortises_decode_and_speeds_up_cim():
    narrow, wide = (system.compare("vadd", 4096, kind="stt", array=ArrayConfig(words_per_access=w)) for w in (1, 8))
    assert wide["speedup"] > narrow["speedup"] > 1
    assert wide["cim"].memory_energy_j < narrow["cim"].memory_energy_j
    # the baseline loads and stores one word at a time whatever the width
    assert wide["base"].memory_energy_j == pytest.approx(narrow["base"].memory_energy_j)
    assert wide["base"].time_s == pytest.approx(narrow["base"].time_s)


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


@pytest.mark.parametrize("kernel", system.REDUCTIONS)
@pytest.mark.parametrize("write_back", system.WRITE_BACK)
def test_reductions_never_write_and_pay_one_cim_access_per_width(kernel, write_back):
    """A reduction's result is consumed by the core: no writes under any policy, so its CiM time is the issue
    cycles plus one CiM access per ``width`` word operations and nothing else (an independent recount)."""
    n, width = 4096, 4
    a = ArrayConfig(words_per_access=width)
    run = system.run_kernel(kernel, n, kind="stt", cim=True, array=a, write_back=write_back)
    assert run.mix.writes == 0 and run.mix.reads == 0
    ops = math.ceil(n / 2) if kernel == "sum" else n
    assert run.mix.cim_ops == ops
    t_clk = section("array_45nm", "system")["clock_ns"] * 1e-9
    t_cim = cim_access_energy("stt", array=a)["t_cim_s"]
    assert run.time_s == pytest.approx(run.mix.cycles * t_clk + math.ceil(ops / width) * t_cim)
    base = system.run_kernel(kernel, n, kind="stt", cim=False, array=a, write_back=write_back)
    assert base.mix.writes == 0 and base.mix.reads == (2 * n if kernel == "dot" else n)


def test_consumed_results_are_not_written_but_travel_to_the_core():
    n, width = 1024, 8
    rows = n // width
    always = system.kernel_mix("vadd", n, cim=True, words_per_access=width)
    consumed = system.kernel_mix("vadd", n, cim=True, words_per_access=width, write_back="consumed")
    assert consumed.writes == 0 and always.writes == n
    assert consumed.bus_words == always.bus_words + n and consumed.cycles == always.cycles + n
    base = system.kernel_mix("vadd", n, cim=False, write_back="consumed")
    assert base.writes == 0 and base.bus_words == 2 * n
    # accumulate: the core keeps one register per output; CiM must still write the intermediate sums
    k = 9
    acc_base = system.kernel_mix("dnn_acc", n, cim=False, k_partial=k, write_back="consumed")
    acc_cim = system.kernel_mix("dnn_acc", n, cim=True, words_per_access=width, k_partial=k, write_back="consumed")
    assert acc_base.reads == k * n and acc_base.writes == 0
    assert acc_cim.writes == (k - 2) * n and acc_cim.bus_words == math.ceil((k - 1) * n / width) + n
    assert rows == always.bus_words
    assert system.compare("dnn_acc", n, kind="stt", write_back="consumed")["memory_energy_ratio"] < 1


def test_dnn_net_takes_a_trained_networks_activations():
    """The digits VGG-8 is trained (cached): ReLU leaves some input channels of the deep layers all zero, and every
    layer's active channels lie between 1 and its input width."""
    layers = system.network_layers()
    assert len(layers) == 8 and layers[0][2] == 1.0          # the image: one channel, always active
    widths = [1, 16, 32, 64, 64, 128, 128, 128]              # vgg8 at width 0.25, inputs of each layer
    assert all(1 <= active <= w for (_, _, active), w in zip(layers, widths))
    assert any(active < w for (_, _, active), w in zip(layers, widths))
