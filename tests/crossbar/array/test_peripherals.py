"""Tests of the DAC (with input bit slicing) and the ADC."""

import pytest
import torch

from workbench.crossbar.array.peripherals import (
    PeripheralConfig,
    adc_codes_,
    adc_step,
    dac_codes,
    dac_cycles,
    input_scale,
    quantize_input,
)


@pytest.mark.parametrize("input_bits, dac_bits, cycles", [(4, 0, 1), (8, 2, 4), (8, 3, 3), (6, 6, 1)])
def test_input_cycles_recombine_to_the_quantized_input(input_bits, dac_bits, cycles):
    cfg = PeripheralConfig(v_read_v=0.2, input_bits=input_bits, dac_bits=dac_bits)
    x = torch.rand(200, dtype=torch.float64) * 2 - 1
    codes, _ = dac_codes(x, cfg, torch.tensor(1.0, dtype=torch.float64))
    digits, factors = dac_cycles(codes, cfg)
    assert digits.shape == (cycles, 200) and cfg.n_cycles == cycles
    full = 2**input_bits - 1
    expected = torch.sign(x) * torch.round(x.abs() * full) / full
    torch.testing.assert_close(sum(f * d for f, d in zip(factors, digits, strict=True)), expected)
    # Each cycle's DAC has only 2**dac_bits levels per polarity, spanning its full range.
    levels = 2 ** (dac_bits or input_bits) - 1
    assert torch.unique(torch.round(digits.abs() * levels)).numel() <= levels + 1 and digits.abs().max() <= 1


def test_adc_levels_saturation_and_identity():
    cfg = PeripheralConfig(adc_bits=3)  # levels -3..3
    current = torch.linspace(-2, 2, 401)
    step = adc_step(1.0, cfg)
    out = adc_codes_(current / step, cfg) * step
    assert torch.unique(out).numel() == 7
    assert out.max() == 1.0 and out.min() == -1.0
    inside = current.abs() <= 1
    assert (out[inside] - current[inside]).abs().max() <= 1 / 3 / 2 + 1e-9
    torch.testing.assert_close(adc_codes_(current.clone(), PeripheralConfig()), current)


@pytest.mark.parametrize(
    "kwargs, match",
    [(dict(v_read_v=0.0), "v_read_v"), (dict(adc_bits=1), "adc_bits"), (dict(adc_range_fraction=0.0), "adc_range"),
     (dict(dac_bits=2), "input_bits")],
)
def test_invalid_fields_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        PeripheralConfig(**kwargs)


@pytest.mark.parametrize("input_bits, dac_bits", [(4, 0), (8, 3)])
def test_quantize_input_equals_recombined_dac_cycles(input_bits, dac_bits):
    cfg = PeripheralConfig(v_read_v=0.25, input_bits=input_bits, dac_bits=dac_bits)
    x = torch.randn(300, dtype=torch.float64) * 3
    scale = input_scale(x)
    digits, factors = dac_cycles(dac_codes(x, cfg, scale)[0], cfg)
    recombined = sum(f * d for f, d in zip(factors, digits, strict=True)) * scale
    torch.testing.assert_close(quantize_input(x, cfg), recombined)


@pytest.mark.parametrize("input_bits", [0, 6])
def test_dac_codes_count_steps_of_the_quantized_input(input_bits):
    cfg = PeripheralConfig(input_bits=input_bits)
    x = torch.randn(500, dtype=torch.float64) * 3
    scale = input_scale(x)
    assert float(scale) == float(x.abs().max())
    codes, step = dac_codes(x, cfg, scale)
    torch.testing.assert_close(codes * step, quantize_input(x, cfg))
    if input_bits:
        assert torch.equal(codes, codes.round()) and float(codes.abs().max()) == 2**input_bits - 1


def test_adc_codes_are_the_adc_in_steps():
    cfg = PeripheralConfig(adc_bits=5)
    current = torch.linspace(-3, 3, 1001, dtype=torch.float64)
    step = adc_step(2.0, cfg)
    assert step == 2.0 / 15
    codes = adc_codes_(current / step, cfg)
    assert float(codes.abs().max()) == 15 and torch.equal(codes, codes.round())
    assert float((codes * step - current).abs()[current.abs() <= 2.0].max()) <= step / 2 + 1e-12
    assert adc_step(2.0, PeripheralConfig()) == 1.0
