"""Tests of the network-to-tile mapping: a hand-counted layer, conservation and scaling laws, baselines."""

from dataclasses import replace

import pytest

from workbench.tim.arch import TimConfig, accelerator
from workbench.tim.mapping import NETWORKS, Layer, block_rows, conv, fc, gru, lstm, map_network
from workbench.tim.params import load_params

CFG = TimConfig()


def test_alexnet_conv3_access_count_by_hand():
    # conv3: 192 -> 384 channels, 3x3 kernel, 13x13 output. K = 192*9 = 1728 rows = 6 full 256-row blocks + 192.
    # Accesses per vector per column block: 6 * ceil(256/16) + ceil(192/16) = 96 + 12 = 108.
    # Column blocks: ceil(384/256) = 2. Vectors: 13*13 = 169. Accesses = 169 * 2 * 108 = 36504.
    mapping = map_network((conv("conv3", 192, 384, 3, 13),), CFG)
    (layer,) = mapping.layers
    assert layer.accesses == 36504
    assert layer.blocks == 7 * 2
    assert layer.nm_accesses == 169 * 2 * 1728  # one row per near-memory access


def test_layer_shapes():
    assert block_rows(600, 256) == [256, 256, 88]
    assert block_rows(512, 256) == [256, 256]
    cell = lstm("l", 650, 650, 35)
    assert (cell.in_features, cell.out_features, cell.vectors) == (1300, 2600, 35)
    assert gru("g", 100, 50, 3).out_features == 150
    assert conv("c", 3, 64, 11, 55).macs == 3 * 121 * 64 * 55 * 55
    assert fc("f", 10, 20, vectors=4).macs == 800


def test_energy_scales_with_accesses():
    one = map_network((Layer("x", "fc", 256, 256, 10, 0),), CFG)
    two = map_network((Layer("x", "fc", 256, 256, 20, 0),), CFG)
    a, b = one.layers[0], two.layers[0]
    assert b.accesses == 2 * a.accesses
    for part in ("wordlines", "bitlines", "adc", "pcu", "inputs", "outputs"):
        assert b.energy_breakdown_pj[part] == pytest.approx(2 * a.energy_breakdown_pj[part])
    # A full block costs exactly the accelerator's full-access energy per access (same densities, K = rows).
    tile = one.summary.tile
    array = sum(a.energy_breakdown_pj[k] for k in ("wordlines", "bitlines", "adc", "pcu", "inputs", "outputs"))
    assert array == pytest.approx(a.accesses * tile.e_access_fj * 1e-3, rel=1e-9)


def test_weights_stationary_and_batch_amortises_writes():
    small = map_network("digits_vgg", CFG)
    assert small.weights_stationary
    assert all(m.energy_breakdown_pj["weight_writes"] == 0 for m in small.layers)
    big1 = map_network("alexnet", CFG, batch=1)
    big2 = map_network("alexnet", CFG, batch=2)
    assert not big1.weights_stationary
    w1 = sum(m.energy_breakdown_pj["weight_writes"] for m in big1.layers)
    w2 = sum(m.energy_breakdown_pj["weight_writes"] for m in big2.layers)
    assert w2 == pytest.approx(w1 / 2)
    assert big1.accesses == big2.accesses  # per inference
    with pytest.raises(ValueError, match="batch"):
        map_network("alexnet", CFG, batch=0)


def test_compute_bound_speedup_is_l_times_period_ratio():
    # One full block, many vectors, weights stationary: the array time dominates both designs.
    mapping = map_network((Layer("x", "fc", 256, 256, 1000, 0),), CFG)
    t = mapping.summary.tile
    expected = CFG.rows_active * t.nm_t_access_ns / t.t_access_ns
    assert mapping.nm_latency_ns / mapping.latency_ns == pytest.approx(expected, rel=1e-6)
    assert mapping.utilisation == pytest.approx(1 / CFG.tiles)  # one block occupies one of 32 tiles


def test_gpu_reference_at_datasheet_peak():
    p = load_params()
    mapping = map_network("resnet18", CFG)
    seconds = 2 * mapping.macs / (p.v100_peak_tops * 1e12)
    assert mapping.gpu_latency_ns == pytest.approx(seconds * 1e9)
    assert mapping.gpu_energy_pj == pytest.approx(seconds * p.v100_power_w * 1e12)


@pytest.mark.parametrize("name", sorted(NETWORKS))
def test_every_network_maps_with_sane_numbers(name):
    mapping = map_network(name, CFG)
    assert 0 < mapping.utilisation <= 1
    assert all(0 < m.utilisation <= 1 for m in mapping.layers)
    assert mapping.energy_pj > 0 and mapping.latency_ns > 0
    assert mapping.nm_energy_pj > mapping.energy_pj  # TiM saves energy on every network here
    assert mapping.gpu_energy_pj > mapping.energy_pj
    assert len(mapping.table()) == len(NETWORKS[name])


def test_more_tiles_do_not_slow_a_network_down():
    base = map_network("resnet18", CFG)
    more = map_network("resnet18", replace(CFG, tiles=64), summary=accelerator(replace(CFG, tiles=64)))
    assert more.latency_ns <= base.latency_ns


def test_unknown_network():
    with pytest.raises(ValueError, match="network"):
        map_network("vgg99")


@pytest.mark.parametrize("batch", [1, 16])
@pytest.mark.parametrize("name", ["alexnet", "lstm_ptb", "digits_vgg"])
def test_energy_breakdowns_sum_to_the_totals(name, batch):
    """Energy conservation: both designs' breakdowns (leakage included) add up to their totals."""
    m = map_network(name, CFG, batch=batch)
    tim, nm = m.energy_breakdown_pj("tim"), m.energy_breakdown_pj("near_memory")
    assert sum(tim.values()) == pytest.approx(m.energy_pj, rel=1e-12)
    assert sum(nm.values()) == pytest.approx(m.nm_energy_pj, rel=1e-12)
    assert all(v >= 0 for v in (*tim.values(), *nm.values()))
    # Work that does not depend on the design is counted identically in both.
    for part in ("inputs", "outputs", "sfu", "weight_writes"):
        assert tim[part] == pytest.approx(nm[part])
    with pytest.raises(ValueError, match="design"):
        m.energy_breakdown_pj("gpu")


def test_near_memory_row_read_by_hand():
    """One near-memory row read: small-swing bitlines, 2 cols bits over half the tile side, PE registers, MACs."""
    t = map_network("digits_vgg", CFG).summary.tile
    p = load_params()
    side_mm = (sum(t.area_um2.values())) ** 0.5 * 1e-3
    assert t.nm_transport_mm == pytest.approx(side_mm / 2)
    parts = t.nm_energy_breakdown_fj
    assert parts["transport"] == pytest.approx(2 * CFG.cols * p.e_wire_per_bit_mm_fj * side_mm / 2)
    assert parts["pe_registers"] == pytest.approx(2 * CFG.cols * p.e_add_per_bit_fj)
    e_mult = p.periphery.e_ternary_mult_fj
    assert parts["macs"] == pytest.approx(CFG.cols * (e_mult + 0.25 * CFG.acc_bits * p.e_add_per_bit_fj))
    assert parts["bitlines"] == pytest.approx(2 * CFG.cols * t.nm_e_bitline_fj)
    assert sum(t.nm_critical_path_ns.values()) == pytest.approx(t.nm_t_access_ns)
    # A layer's near-memory transport is one such row read per row and vector.
    layer = map_network((Layer("x", "fc", 256, 256, 3, 0),), CFG).layers[0]
    assert layer.nm_energy_breakdown_pj["transport"] == pytest.approx(3 * 256 * parts["transport"] * 1e-3)
