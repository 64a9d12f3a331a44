"""Tests of the crossbar accelerator cost model: the hand-computed array energy, monotonic trends, mapping and the
bad-input errors; the ADC it prices is TiM-DNN's."""

import math

import numpy as np
import pytest

from workbench.crossbar.array.circuit import CircuitConfig
from workbench.crossbar.array.config import CrossbarConfig
from workbench.crossbar.array.device import DeviceConfig
from workbench.crossbar.array.peripherals import PeripheralConfig
from workbench.crossbar.inference.cost import (
    CostConfig,
    LayerShape,
    column_adc_bits,
    full_array_layer,
    isaac_like,
    network_cost,
    tiles_needed,
)
from workbench.crossbar.inference.network import digits_cnn_layers


def _config(size=64, bits_per_cell=2, weight_bits=8, input_bits=8, dac_bits=1, adc_bits=0, mapping="differential"):
    return CrossbarConfig(
        circuit=CircuitConfig(rows=size, cols=size),
        device=DeviceConfig(g_max_us=50.0, on_off_ratio=10.0, bits_per_cell=bits_per_cell, weight_bits=weight_bits,
                            mapping=mapping),
        peripherals=PeripheralConfig(input_bits=input_bits, dac_bits=dac_bits, adc_bits=adc_bits),
    )


def test_array_energy_by_hand():
    """2x2 weights on 2x2 offset-mapped 1-bit cells, one read, one cycle: E = a V^2 sum(G) t_read."""
    config = CrossbarConfig(
        circuit=CircuitConfig(rows=2, cols=2),
        device=DeviceConfig(g_max_us=100.0, on_off_ratio=10.0, bits_per_cell=1, mapping="offset"),
        peripherals=PeripheralConfig(v_read_v=0.2, input_bits=1, adc_bits=0),
    )
    w = np.array([[1.0, -1.0], [1.0, 1.0]])  # offset: +1 -> G_max, -1 -> G_min
    g = np.array([[100e-6, 10e-6], [100e-6, 100e-6]])
    cost = CostConfig(tiles=1, t_read_ns=10.0, input_activity=1.0)
    c = network_cost([LayerShape("fc", 2, 2, 1, w)], config, cost)
    expected_fj = 0.2**2 * g.sum() * 10e-9 * 1e15
    assert c.layers[0].sum_g_s == pytest.approx(g.sum())
    assert c.energy_pj["array"] == pytest.approx(expected_fj * 1e-3)
    # half the rows driven on average halves it
    half = network_cost([LayerShape("fc", 2, 2, 1, w)], config, CostConfig(tiles=1, input_activity=0.5))
    assert half.energy_pj["array"] == pytest.approx(expected_fj * 1e-3 / 2)


def test_adc_is_the_shared_model_tim_uses():
    """Identical ADC settings cost the same in the crossbar model and in TiM-DNN."""
    from workbench.tim.arch import TimConfig, tile_costs

    config = _config(size=32, bits_per_cell=1, weight_bits=1, input_bits=1, dac_bits=0, adc_bits=7)
    from workbench.tim.arch import TIM_ADC_TYPES

    for kind in TIM_ADC_TYPES:
        c = network_cost([full_array_layer(config)], config, CostConfig(tiles=2, adc_type=kind))
        tim = tile_costs(TimConfig(adc_bits=7, adc_type=kind, rows_active=16))
        assert c.adc.energy_fj == tim.e_conversion_fj
        assert c.adc.time_ns == tim.t_adc_ns
        assert c.adc.area_um2 == tim.area_um2["adc"] / (2 * 256)


def _energy(config, cost=None, layers=None):
    layers = list(layers or digits_cnn_layers())
    cost = cost or CostConfig(tiles=tiles_needed(layers, config), allow_lossy_adc=True)
    return network_cost(layers, config, cost)


def test_monotonic_in_adc_bits():
    prev = None
    for bits in range(4, 13):
        c = _energy(_config(adc_bits=bits))
        if prev:
            assert c.energy_pj["adc"] > prev.energy_pj["adc"]
            assert c.total_energy_pj > prev.total_energy_pj
            assert c.area_mm2["adc"] > prev.area_mm2["adc"]
        prev = c


def test_monotonic_in_slices_and_tile_size():
    by_slices = [_energy(_config(bits_per_cell=8 // s, adc_bits=10)) for s in (1, 2, 4, 8)]
    for a, b in zip(by_slices, by_slices[1:]):
        assert b.tiles_used > a.tiles_used and b.energy_pj["adc"] > a.energy_pj["adc"]
        assert b.total_area_mm2 > a.total_area_mm2
    layer = [full_array_layer(_config(size=256), reads=4)]
    sizes = (32, 64, 128, 256)
    tiles = [_energy(_config(size=s, adc_bits=10), layers=layer) for s in sizes]
    # one physical tile grows with its size; the full 256x256 layer on fewer, larger tiles
    one = [network_cost(layer, _config(size=s, adc_bits=10), CostConfig(tiles=tiles_needed(layer, _config(size=s)),
                                                                        allow_lossy_adc=True)) for s in sizes]
    areas = [c.area_mm2["array"] / c.tiles_used for c in one]
    assert all(b > a for a, b in zip(areas, areas[1:]))
    # fewer row tiles: fewer partial sums to convert
    assert all(b.energy_pj["adc"] < a.energy_pj["adc"] for a, b in zip(tiles, tiles[1:]))
    # the array energy does not depend on how the same cells are cut into tiles
    assert tiles[0].energy_pj["array"] == pytest.approx(tiles[-1].energy_pj["array"], rel=1e-9)


def test_bit_serial_cycles_and_replication():
    one = _energy(_config(dac_bits=8, adc_bits=12))
    serial = _energy(_config(dac_bits=1, adc_bits=12))
    assert serial.energy_pj["adc"] == pytest.approx(8 * one.energy_pj["adc"])
    assert serial.latency_ns > one.latency_ns
    config = _config(adc_bits=12)
    layers = list(digits_cnn_layers())
    need = tiles_needed(layers, config)
    base = network_cost(layers, config, CostConfig(tiles=need, allow_lossy_adc=True))
    wide = network_cost(layers, config, CostConfig(tiles=4 * need, allow_lossy_adc=True))
    assert wide.latency_ns < base.latency_ns
    assert wide.total_energy_pj == pytest.approx(base.total_energy_pj, rel=0.05)
    assert wide.total_area_mm2 > base.total_area_mm2


def test_column_bits_and_lossy_adc_error():
    config = _config(size=64, bits_per_cell=2, dac_bits=1)
    # 64 rows x 3 x 1 = 192 per sign -> 385 values -> 9 bits
    assert column_adc_bits(config) == 9
    with pytest.raises(ValueError, match=r"adc_bits=8 cannot resolve a column of 64 rows .* adc_bits >= 9"):
        network_cost(list(digits_cnn_layers()), _config(adc_bits=8), CostConfig(tiles=1000))
    ok = network_cost(list(digits_cnn_layers()), _config(adc_bits=8), CostConfig(tiles=1000, allow_lossy_adc=True))
    assert ok.adc_bits == 8
    assert network_cost(list(digits_cnn_layers()), config, CostConfig(tiles=1000)).adc_bits == 9  # ideal ADC


def test_bad_input():
    layers = list(digits_cnn_layers())
    with pytest.raises(ValueError, match="tiles=0"):
        CostConfig(tiles=0)
    with pytest.raises(ValueError, match=r"layer 'features.\d+' cannot be mapped: it needs \d+ tiles"):
        network_cost(layers, _config(size=16, adc_bits=12), CostConfig(tiles=8, allow_lossy_adc=True))
    with pytest.raises(ValueError, match="layers is empty"):
        network_cost([], _config(), CostConfig())
    with pytest.raises(ValueError, match="input_bits=0"):
        network_cost(layers, _config(input_bits=0, dac_bits=0), CostConfig(tiles=1000))
    with pytest.raises(ValueError, match="analog cells"):
        network_cost(layers, _config(bits_per_cell=0, weight_bits=0), CostConfig(tiles=1000))
    with pytest.raises(ValueError, match="layer 'bad' cannot be mapped: rows=0"):
        network_cost([LayerShape("bad", 0, 4, 1)], _config(), CostConfig(tiles=1000))


def test_depthwise_layer_cannot_be_mapped():
    from torch import nn

    from workbench.crossbar.inference.cost import layer_shapes

    model = nn.Sequential(nn.Conv2d(4, 4, 3, groups=4), nn.Flatten(), nn.Linear(4 * 6 * 6, 2))
    with pytest.raises(ValueError, match="layer '0' cannot be mapped onto crossbars: groups=4"):
        layer_shapes(model, (4, 8, 8))
    shapes = layer_shapes(nn.Sequential(nn.Conv2d(4, 8, 3), nn.Flatten(), nn.Linear(8 * 6 * 6, 2)), (4, 8, 8))
    assert [(s.rows, s.cols, s.reads) for s in shapes] == [(36, 8, 36), (288, 2, 1)]


def test_isaac_like_breakdown():
    config, cost = isaac_like()
    c = network_cost([full_array_layer(config, reads=4)], config, cost)
    assert c.adc_bits == 8 and config.peripherals.n_cycles == 16 and config.device.n_slices == 8
    e = c.energy_pj
    periphery = {k: v for k, v in e.items() if k not in ("array", "buffers")}
    assert max(periphery, key=periphery.get) == "adc"  # ADCs dominate the periphery, as in ISAAC
    assert math.isclose(sum(e.values()), c.total_energy_pj)
    # the macro needs 8 slices x 1 row tile x 1 column tile, offset mapping: 8 crossbars, as an ISAAC IMA
    assert c.tiles_used == 8


def test_read_current_is_checked_against_the_wires():
    """ISAAC's organisation with this workbench's 50 uS cells: a 128-cell line at 0.2 V draws 1.28 mA, far above
    what a wire at half the 4 F^2 cell pitch carries (J_max x w x 1.8 w), and the row driver is sized for it."""
    config, cost = isaac_like()
    c = network_cost([full_array_layer(config)], config, cost)
    width_um = 2 * 0.032 / 2
    assert c.extras["line_current_a"] == pytest.approx(0.2 * 128 * 50e-6)
    assert c.extras["line_current_ratio"] == pytest.approx(1.28e-3 / (10e-3 * 1.8 * width_um**2))
    weak = CrossbarConfig(circuit=config.circuit, device=DeviceConfig(g_max_us=1.0, on_off_ratio=10.0, bits_per_cell=2,
                          weight_bits=16, mapping="offset"), peripherals=config.peripherals)
    w = network_cost([full_array_layer(weak)], weak, cost)
    assert w.extras["line_current_ratio"] < c.extras["line_current_ratio"] / 49
    assert w.extras["dac"].energy_fj < c.extras["dac"].energy_fj


def test_survey_adc_is_the_default_and_follows_the_rate():
    config, cost = isaac_like()
    layer = [full_array_layer(config)]
    assert cost.adc_type == "survey"
    slow, fast = (network_cost(layer, config, CostConfig(**{**cost.__dict__, "adc_rate_gsps": r})) for r in (0.1, 5.0))
    assert fast.adc.energy_fj > slow.adc.energy_fj and fast.cycle_ns < slow.cycle_ns


@pytest.mark.parametrize("g_max_us, v_read_v, tile", [(50.0, 0.2, 64), (1.0, 0.05, 16), (2.0, 0.1, 32)])
def test_a_chip_whose_arrays_overload_their_wires_is_shown_with_a_warning(g_max_us, v_read_v, tile):
    """crossbar.cost warns (its metric's limit, drawn by the Explorer's status line and the layer_cost view's
    subtitle) exactly when a full line's current, computed here from Ohm's law and J_max x w x 1.8 w, exceeds the
    wire's limit."""
    from workbench.crossbar.inference.studies import COST
    from workbench.crossbar.inference.views import LAYER_COST, PLOT_WIDTH
    from workbench.viz import svgtext

    point = COST.evaluate(g_max_us=g_max_us, v_read_v=v_read_v, tile_size=tile)
    width_um = 2 * 0.032 / 2  # half the 4 F^2 cell pitch at 32 nm
    ratio = v_read_v * tile * g_max_us * 1e-6 / (10e-3 * 1.8 * width_um**2)
    assert point["line_current_ratio"] == pytest.approx(ratio)
    warnings = COST.limit_warnings(point)
    assert bool(warnings) == (ratio > 1)
    if warnings:  # the view draws the chip at the default cells: the same words under its title, wrapped to the plot
        chart, _ = LAYER_COST.render({"tile_size": tile})
        lines = list(chart.title.subtitle)
        assert " ".join(lines) == " ".join(f"Warning: {line}" for line in warnings)
        assert len(lines) > len(warnings) and all(svgtext.text_width(line, 12.0) <= PLOT_WIDTH for line in lines)


def test_a_regulated_read_level_charges_the_row_drivers_the_regulators_drop_and_nothing_else():
    """With the read level made from VDD by a linear regulator, each layer's row-driver energy grows by its array
    energy x (VDD / v_read - 1); every other component, the latency and the area stay as they are."""
    from dataclasses import replace

    from workbench.hardware.tech import load_tech

    config, layers = _config(), digits_cnn_layers()
    supply = network_cost(layers, config, CostConfig())
    regulated = network_cost(layers, config, CostConfig(read_level_source="regulated"))
    vdd, v_read = load_tech(CostConfig().tech).at_node(CostConfig().node_nm).vdd_v, config.peripherals.v_read_v
    for before, after in zip(supply.layers, regulated.layers, strict=True):
        extra = before.energy_pj["array"] * (vdd / v_read - 1)
        assert after.energy_pj["dac"] == pytest.approx(before.energy_pj["dac"] + extra)
        assert {k: v for k, v in after.energy_pj.items() if k != "dac"} == \
            {k: v for k, v in before.energy_pj.items() if k != "dac"}
        assert after.latency_ns == before.latency_ns
    assert regulated.area_mm2 == supply.area_mm2
    high = replace(config, peripherals=replace(config.peripherals, v_read_v=vdd + 0.1))
    with pytest.raises(ValueError, match="above VDD"):
        network_cost(layers, high, CostConfig(read_level_source="regulated"))


def test_an_enob_loss_prices_only_the_survey_adc_at_fewer_effective_bits():
    """``adc_enob_loss`` prices the survey ADC at bits - loss effective bits (the library's ADC called directly
    gives the same energy and area); of the other components only the buffers' wires change, shorter on the smaller
    chip. It cannot take every bit away."""
    from workbench.hardware.analog import adc
    from workbench.hardware.tech import load_tech

    config, layers = _config(adc_bits=9), digits_cnn_layers()
    ideal = network_cost(layers, config, CostConfig(tiles=1000))
    lossy = network_cost(layers, config, CostConfig(tiles=1000, adc_enob_loss=1.5))
    cost = CostConfig()
    direct = adc(9, "survey", load_tech(cost.tech).at_node(cost.node_nm), fs_hz=cost.adc_rate_gsps * 1e9, enob=7.5)
    assert lossy.adc.energy_fj == pytest.approx(direct.energy_fj) and lossy.adc.area_um2 == pytest.approx(
        direct.area_um2)
    assert lossy.adc.energy_fj < ideal.adc.energy_fj and lossy.area_mm2["adc"] < ideal.area_mm2["adc"]
    for before, after in zip(ideal.layers, lossy.layers, strict=True):
        assert {k: v for k, v in after.energy_pj.items() if k not in ("adc", "buffers")} == \
            {k: v for k, v in before.energy_pj.items() if k not in ("adc", "buffers")}
        assert after.energy_pj["buffers"] < before.energy_pj["buffers"]
    with pytest.raises(ValueError, match="adc_enob_loss=4.0 leaves no effective bits of the 4-bit ADC"):
        network_cost(layers, _config(adc_bits=4), CostConfig(tiles=1000, adc_enob_loss=4.0, allow_lossy_adc=True))


def test_the_layer_view_stacks_the_studys_energy_per_inference_in_its_unit():
    """The per-layer chart's components add up to crossbar.cost's energy per inference, in the same unit (nJ)."""
    from workbench.crossbar.inference.studies import COST
    from workbench.crossbar.inference.views import LAYER_COST

    knobs = {"tile_size": 32, "adc_bits": 10}
    chart, long = LAYER_COST.render(knobs)
    assert chart.to_dict()["encoding"]["y"]["title"] == "energy per inference (nJ)"
    assert long["component_nj"].sum() == pytest.approx(COST.evaluate(**knobs)["energy_per_inference_nj"])
