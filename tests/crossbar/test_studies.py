"""Tests of the crossbar studies (registered, pure, physically sensible)."""

import numpy as np
import pytest

from workbench.core import get_study, list_studies
from workbench.crossbar.array.views import cell_voltage_frame, error_sweep


def test_studies_are_registered():
    assert {"crossbar.circuit", "crossbar.inference", "crossbar.cost"} <= set(list_studies(theme="crossbar"))


@pytest.mark.parametrize(
    "study, derived",
    [("crossbar.circuit", {"size": "CircuitConfig.rows", "r_wire_ohm": "CircuitConfig.r_wire_row_ohm",
                           "g_max_us": "DeviceConfig.g_max_us", "v_read_v": "PeripheralConfig.v_read_v"}),
     ("crossbar.inference", {"tile_size": "CircuitConfig.rows", "circuit_model": "CircuitConfig.model",
                             "adc_bits": "PeripheralConfig.adc_bits", "program_sigma": "DeviceConfig.program_sigma",
                             "v_nl_v": "DeviceConfig.v_nl_v", "read_noise_sigma": "DeviceConfig.read_noise_sigma",
                             "stuck_on_fraction": "DeviceConfig.stuck_on_fraction",
                             "stuck_off_fraction": "DeviceConfig.stuck_off_fraction"}),
     ("crossbar.cost", {"tile_size": "CircuitConfig.rows", "adc_bits": "PeripheralConfig.adc_bits",
                        "dac_bits": "PeripheralConfig.dac_bits", "bits_per_cell": "DeviceConfig.bits_per_cell",
                        "cols_per_adc": "CostConfig.cols_per_adc", "t_read_ns": "CostConfig.t_read_ns"})],
)
def test_knobs_derive_from_the_crossbar_configs(study, derived):
    study = get_study(study)
    for knob, field in derived.items():
        assert study.knob(knob).source.endswith(field)
    assert {k.name for k in study.knobs if not k.source} <= {"model", "epochs", "seed", "copies", "allow_lossy_adc"}


def test_cost_study_is_interactive_and_checks_the_adc():
    """Its speed is measured by benchmarks/bench_ui.py (knob change -> chart), not asserted here."""
    study = get_study("crossbar.cost")
    assert study.cost == "interactive"
    point = study.evaluate(tile_size=128, adc_bits=12)
    assert point["energy_per_inference_nj"] > 0 and set(point["energy_breakdown_pj"]) >= {"array", "adc"}
    with pytest.raises(ValueError, match="adc_bits=8 cannot resolve a column of 64 rows"):
        study.validate(adc_bits=8)
    assert study.evaluate(adc_bits=8, allow_lossy_adc=True)["adc_bits_priced"] == 8
    # bit-serial inputs: more DAC cycles, more conversions, more energy and time
    lossy = dict(adc_bits=10, allow_lossy_adc=True)
    serial, parallel = study.evaluate(dac_bits=1, **lossy), study.evaluate(dac_bits=8, **lossy)
    assert serial["energy_per_inference_nj"] > parallel["energy_per_inference_nj"]
    assert serial["latency_per_inference_us"] > parallel["latency_per_inference_us"]


def test_circuit_study_is_interactive():
    """Its speed is measured by benchmarks/bench_ui.py (knob change -> chart), not asserted here."""
    study = get_study("crossbar.circuit")
    assert study.cost == "interactive"


def test_circuit_study_is_pure_and_exact_models_have_no_error():
    study = get_study("crossbar.circuit")
    assert study.evaluate(size=16, model="diagonal") == study.evaluate(size=16, model="diagonal")
    for model in ("exact", "relaxation"):
        assert study.evaluate(size=16, model=model)["model_error_pct"] < 1e-6


def test_error_grows_with_size_and_wire_resistance():
    df = error_sweep(sizes=(8, 16, 32), r_wires=(0.0, 2.0, 8.0), models=("diagonal", "ideal"))
    for (sweep, model), part in df.groupby(["sweep", "model"]):
        errors = part.sort_values(sweep)["model_error_pct"].to_numpy()
        assert np.all(np.diff(errors) > 0), (sweep, model, errors)
    # Diagonal scaling corrects most of the parasitic error.
    both = df.pivot_table(index=["sweep", "size", "r_wire_ohm"], columns="model", values="model_error_pct")
    assert np.all(both["diagonal"] < both["ideal"])


def test_cell_voltage_map_shape_and_bounds():
    frame = cell_voltage_frame(size=12, r_wire_ohm=2.0)
    assert len(frame) == 144
    assert frame["cell_voltage_pct"].between(0, 100).all()
    # IR drop: cells far from the drivers (last column) and far from the sense end (first row) see less voltage.
    by_col = frame.groupby("col")["cell_voltage_pct"].mean()
    by_row = frame.groupby("row")["cell_voltage_pct"].mean()
    assert by_col.iloc[0] > by_col.iloc[-1] and by_row.iloc[-1] > by_row.iloc[0]
    np.testing.assert_allclose(frame["drop_pct"], 100 - frame["cell_voltage_pct"])


@pytest.mark.slow
def test_inference_study_ideal_vs_harsh():
    study = get_study("crossbar.inference")
    assert study.cost == "batch"
    common = dict(tile_size=16, epochs=2, circuit_model="diagonal")
    ideal = study.evaluate(**common, r_wire_ohm=0.0, r_driver_ohm=0.0, r_sense_ohm=0.0, bits_per_cell=0,
                           weight_bits=0, input_bits=0, adc_bits=0, program_sigma=0.0)
    harsh = study.evaluate(**common, r_wire_ohm=10.0, r_driver_ohm=1000.0, r_sense_ohm=1000.0, bits_per_cell=2,
                           weight_bits=2, input_bits=3, adc_bits=4, program_sigma=0.3)
    assert ideal["accuracy_float"] == harsh["accuracy_float"] > 50
    assert abs(ideal["accuracy_drop"]) <= 0.5
    assert np.isnan(ideal["energy_per_inference_nj"])  # analog cells and inputs: nothing to price
    assert harsh["energy_per_inference_nj"] > 0 and harsh["area_mm2"] > 0
    assert harsh["accuracy_drop"] > ideal["accuracy_drop"] + 5
    with pytest.raises(ValueError, match="adc_bits=1"):
        study.validate(adc_bits=1)


def test_inference_nonlinear_cells_need_the_exact_model():
    study = get_study("crossbar.inference")
    with pytest.raises(ValueError, match="v_nl_v"):
        study.validate(v_nl_v=0.2, circuit_model="diagonal")
    with pytest.raises(ValueError, match="stuck_on_fraction"):
        study.validate(stuck_on_fraction=0.5)
    study.validate(v_nl_v=0.2, circuit_model="exact")


def test_inference_degrades_with_tile_size_driver_resistance_noise_and_faults():
    # a small real version: digits CNN, 2 epochs, the diagonal closed form (milliseconds per tile)
    study = get_study("crossbar.inference")
    common = dict(epochs=2, circuit_model="diagonal", program_sigma=0.0)

    def drop(**knobs):
        return study.evaluate(**{**common, **knobs})["accuracy_drop"]

    assert drop(tile_size=16) < drop(tile_size=64)
    assert drop(tile_size=64, r_driver_ohm=0.0, r_sense_ohm=0.0) < drop(tile_size=64, r_driver_ohm=200.0,
                                                                           r_sense_ohm=200.0)
    base = drop(tile_size=16)
    assert drop(tile_size=16, read_noise_sigma=0.3) > base + 1
    assert drop(tile_size=16, stuck_on_fraction=0.1) > base + 5
    assert drop(tile_size=16, stuck_off_fraction=0.2) > base + 1


@pytest.mark.slow
def test_inference_nonlinear_cells_change_the_result():
    study = get_study("crossbar.inference")
    linear = study.evaluate(tile_size=16, epochs=2)
    sinh = study.evaluate(tile_size=16, epochs=2, v_nl_v=0.1)
    assert sinh["accuracy_float"] == linear["accuracy_float"]
    assert sinh["accuracy"] != linear["accuracy"]


def test_the_inference_seed_seeds_the_training_too():
    """crossbar.inference's seed reaches the whole pipeline (so its seed spread covers the trained network): each
    seed's floating-point accuracy is that of the network trained with it, and its trained weights (the arrays'
    energy follows their conductances) differ between seeds."""
    from workbench.crossbar.inference.network import trained_cnn
    from workbench.nn.train import evaluate_accuracy

    study = get_study("crossbar.inference")
    points = {seed: study.evaluate(seed=seed, epochs=1, program_sigma=0.0, tile_size=64) for seed in (0, 1)}
    for seed, point in points.items():
        model, loaders = trained_cnn("digits", 1, seed)
        assert point["accuracy_float"] == pytest.approx(100 * evaluate_accuracy(model, loaders.test, "cpu"))
    assert points[0]["energy_per_inference_nj"] != points[1]["energy_per_inference_nj"]
