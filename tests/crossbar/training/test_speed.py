"""Tests of the speed-up knobs at matched fidelity (claim T1): deviations, the Pareto table, the circuit baseline."""

from dataclasses import replace

from workbench.crossbar.array.circuit import CircuitConfig
from workbench.crossbar.array.config import CrossbarConfig
from workbench.crossbar.training.layers import TxSimConfig, layer_tiles
from workbench.crossbar.training.speed import circuit_step_time, fidelity_pareto, output_deviations
from workbench.crossbar.training.update import UpdateConfig

SIZES = (24, 12, 10)


def _config(model="exact", **circuit):
    crossbar = CrossbarConfig(circuit=CircuitConfig(rows=8, cols=8, r_wire_row_ohm=2.0, r_wire_col_ohm=2.0,
                                                    r_driver_ohm=50.0, r_sense_ohm=50.0, model=model, **circuit))
    return TxSimConfig(crossbar=crossbar, write=UpdateConfig(nu=2.0, rounding="none"), refresh_every=1,
                       batched=False, random_pool=False, device="cpu")


def test_deviations_are_zero_for_the_reference_and_rounding_only_for_batching():
    ref = _config()
    out = output_deviations(SIZES, ref, {"same": ref, "batched": replace(ref, batched=True),
                                         "stale": replace(ref, refresh_every=100),
                                         "short": _config("cumulative")}, steps=3)
    assert out["same"] == 0.0
    assert out["batched"] < 1e-3  # the same sums in another order
    assert 0 < out["stale"] < out["short"]  # stale attenuations deviate less than ignoring the shared lines


def test_pareto_covers_every_combination_and_pools_inherit_their_twins():
    rows = fidelity_pareto(SIZES, SIZES, replace(_config(), write=UpdateConfig(nu=2.0, gamma=0.2)),
                           models=("exact", "cumulative"), refresh=(1, 4), steps=3, repeats=1, inner=1)
    assert len(rows) == 2 * 2 * 2 * 2
    assert [r["step_s"] for r in rows] == sorted(r["step_s"] for r in rows)
    keyed = {(r["model"], r["refresh_every"], r["batched"], r["random_pool"]): r for r in rows}
    assert keyed[("exact", 1, False, False)]["error_pct"] == 0.0  # the full model itself
    for (m, L, b, pool), r in keyed.items():
        if pool:
            assert r["error_pct"] == keyed[(m, L, b, False)]["error_pct"]
    assert keyed[("cumulative", 1, True, False)]["error_pct"] > 1.0  # strong parasitics: short path is off


def test_circuit_baseline_factorises_once_per_tile_and_array():
    config = _config()
    out = circuit_step_time(SIZES, config, batch=5)
    tiles = sum(len(layer_tiles(k, n, config.crossbar.circuit)) for k, n in zip(SIZES[:-1], SIZES[1:], strict=True))
    assert out["factorisations"] == 2 * tiles
    assert out["solves"] == out["factorisations"] * 2 * 5
    assert out["t_circuit_s"] > 0


def test_pareto_rows_carry_the_knobs_of_a_whole_tile_model():
    rows = fidelity_pareto(SIZES, SIZES, _config(), models=("diagonal",), refresh=(2,), steps=2, repeats=1, inner=1)
    assert {(r["model"], r["refresh_every"]) for r in rows} == {("diagonal", 2)}
    assert all(r["step_s"] > 0 and r["torch_step_s"] > 0 for r in rows)
