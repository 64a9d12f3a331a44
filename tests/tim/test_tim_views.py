"""Tests of the TiM views' data: the period breakdown adds up to the model's period and grows with L."""

from dataclasses import replace

import pytest

from workbench.tim.arch import TimConfig, adc_bits_needed, tile_costs
from workbench.tim.views import period_breakdown


@pytest.mark.parametrize("pipelined", [False, True])
def test_period_breakdown_sums_to_the_model_period(pipelined):
    _, frame = period_breakdown(0.02, pipelined, "sar")
    totals = frame.groupby("design", sort=False)["ns"].sum()
    base = TimConfig(conversion_pipelined=pipelined)
    for design, total in totals.items():
        if design.startswith("TiM L="):
            n = int(design.removeprefix("TiM L="))
            tile = tile_costs(replace(base, rows_active=n, adc_bits=adc_bits_needed(n)))
            assert total == pytest.approx(tile.t_min_ns)
        else:
            assert total == pytest.approx(tile_costs(base).nm_t_access_ns)
    tim = [v for d, v in totals.items() if d.startswith("TiM")]
    assert tim == sorted(tim)
    # L = 24 and 32 cannot be resolved within the bitline swing at 2 % spread: left out, not drawn as zero.
    assert "TiM L=32" not in set(totals.index) and "TiM L=16" in set(totals.index)
