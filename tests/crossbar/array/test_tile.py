"""Tests of the one tile engine: forward and transposed reads, DAC cycles, weight slices, ADC, the reference loop."""

import pytest
import torch

from workbench.crossbar.array.peripherals import PeripheralConfig, quantize_input
from workbench.crossbar.array.tile import TileRead, Tiles


def _tiles(M, M_t, per, *, rows=5, cols=3, sigma=0.0):
    full = per.adc_range_fraction * float(M.abs().max())
    return Tiles(fwd=TileRead(dense=M, tile_in=min(rows, M.shape[0]), tile_out=min(cols, M.shape[1]),
                              full_scale=full * min(rows, M.shape[0])),
                 bwd=TileRead(dense=M_t, tile_in=min(cols, M_t.shape[0]), tile_out=min(rows, M_t.shape[1]),
                              full_scale=full * min(cols, M_t.shape[0])),
                 peripherals=per, read_noise_sigma=sigma)


@pytest.mark.parametrize("input_bits, dac_bits", [(0, 0), (8, 0), (8, 2)])
def test_a_fine_adc_reads_both_ways_as_the_quantized_input_times_the_read_matrix(input_bits, dac_bits):
    """Forward ``x @ M`` with inputs on 12 rows (3 tiles of 5, the last padded), transposed ``dy @ M_t`` with inputs
    on 7 columns (3 tiles of 3): a 24-bit ADC leaves only the DAC's rounding, the same over one or four cycles."""
    g = torch.Generator().manual_seed(0)
    M, M_t = torch.randn(12, 7, generator=g, dtype=torch.float64), torch.randn(7, 12, generator=g, dtype=torch.float64)
    per = PeripheralConfig(input_bits=input_bits, dac_bits=dac_bits, adc_bits=24, adc_range_fraction=1.0)
    tiles = _tiles(M, M_t, per)
    x, dy = torch.randn(4, 12, generator=g, dtype=torch.float64), torch.randn(4, 7, generator=g, dtype=torch.float64)
    torch.testing.assert_close(tiles.read(x), quantize_input(x, per) @ M, rtol=0, atol=1e-4)
    torch.testing.assert_close(tiles.read(dy, transposed=True), quantize_input(dy, per) @ M_t, rtol=0, atol=1e-4)
    if not dac_bits:
        torch.testing.assert_close(tiles.read(x, batched=False), tiles.read(x), rtol=0, atol=1e-12)


def test_weight_slices_side_by_side_recombine_by_their_factors():
    """Two slices of a matrix stored side by side in the stack (in units of ``unit``) read as their weighted sum."""
    g = torch.Generator().manual_seed(1)
    low, high = torch.rand(6, 4, generator=g, dtype=torch.float64), torch.rand(6, 4, generator=g, dtype=torch.float64)
    factors, unit = (0.25, 1.0), 3.0
    dense = (factors[0] * low + factors[1] * high) * unit
    stack = torch.cat([low, high], dim=1).reshape(2, 3, 8)  # two row tiles of 3, slices side by side
    per = PeripheralConfig(adc_bits=20, adc_range_fraction=1.0)
    tiles = Tiles(fwd=TileRead(dense=dense, tile_in=3, tile_out=4, full_scale=3.0, stack=stack), peripherals=per,
                  unit=unit, slice_factors=factors)
    x = torch.rand(5, 6, generator=g, dtype=torch.float64)
    torch.testing.assert_close(tiles.read(x), x @ dense, rtol=0, atol=1e-4)


def test_a_coarse_adc_saturates_each_tile_and_rounds_to_its_steps():
    """A 3-bit ADC (codes -3..3) over a full scale of 1 per tile: every tile output is a whole step of 1/3, clipped
    at 1, then summed over the two row tiles."""
    M = torch.ones(4, 1, dtype=torch.float64)
    per = PeripheralConfig(adc_bits=3, adc_range_fraction=0.5)
    tiles = Tiles(fwd=TileRead(dense=M, tile_in=2, tile_out=1, full_scale=1.0), peripherals=per)
    x = torch.tensor([[1.0, 1.0, 0.4, 0.0]], dtype=torch.float64)  # tile sums 2 (clips to 1) and 0.4 (-> 1/3)
    torch.testing.assert_close(tiles.read(x), torch.tensor([[1.0 + 1 / 3]], dtype=torch.float64))


def test_read_noise_has_the_relative_spread_of_the_cells_and_a_forward_only_matrix_refuses_the_transposed_read():
    g = torch.Generator().manual_seed(2)
    M = torch.rand(8, 3, generator=g, dtype=torch.float64)
    sigma = 0.1
    tiles = Tiles(fwd=TileRead(dense=M, tile_in=8, tile_out=3, full_scale=8.0, g_square=M**2),
                  peripherals=PeripheralConfig(), read_noise_sigma=sigma)
    x = torch.ones(4000, 8, dtype=torch.float64)
    spread = (tiles.read(x, generator=torch.Generator().manual_seed(3)) - x @ M).std(0)
    torch.testing.assert_close(spread, sigma * (M**2).sum(0).sqrt(), rtol=0.06, atol=0)
    with pytest.raises(ValueError, match="transposed=True is not allowed"):
        tiles.read(x, transposed=True)
