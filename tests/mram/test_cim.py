"""CiM operations: exhaustive truth tables through the sensing models, ADD against integer addition, ECC linearity,
variation Monte Carlo trends, and bad input."""

import itertools

import numpy as np
import pytest

from workbench.mram import cim
from workbench.mram.params import load_mtj

MTJ = load_mtj("pma_cofeb")
G_P, G_AP = 1 / (MTJ.r_p_ohm + 7500), 1 / (MTJ.r_ap_ohm(0.1) + 7500)
PAIRS = np.array(list(itertools.product((False, True), repeat=2)))


@pytest.mark.parametrize("op", ["READ", "OR", "AND", "XOR"])
def test_stt_cim_truth_table(op):
    a, b = PAIRS[:, 0], PAIRS[:, 1]
    np.testing.assert_array_equal(cim.stt_cim_op(op, a, b, G_P, G_AP), cim.reference_logic(op, a, b))


@pytest.mark.parametrize("op", ["READ", "AND", "NOR", "OR", "XOR"])
def test_differential_cim_truth_table(op):
    a, b = PAIRS[:, 0], PAIRS[:, 1]
    np.testing.assert_array_equal(cim.diff_cim_op(op, a, b, G_P, G_AP), cim.reference_logic(op, a, b))


@pytest.mark.parametrize("sense", [cim.stt_cim_op, cim.diff_cim_op])
def test_add_truth_table_and_against_integer_addition(sense):
    # full-adder truth table: one bit with carry in
    for a, b, c in itertools.product((False, True), repeat=3):
        s, carry = sense("ADD", np.array([a]), np.array([b]), G_P, G_AP, carry_in=c)
        ref_s, ref_c = cim.reference_logic("ADD", np.array([a]), np.array([b]), np.array([c]))
        assert bool(s[0]) == bool(ref_s[0]) and carry == bool(ref_c[0])
    # 8-bit words, exhaustive over a grid of operands
    bits = lambda x: np.array([(x >> k) & 1 for k in range(8)], dtype=bool)  # noqa: E731
    value = lambda v: int(sum(int(x) << k for k, x in enumerate(v)))  # noqa: E731
    for x in range(0, 256, 7):
        for y in range(0, 256, 11):
            s, carry = sense("ADD", bits(x), bits(y), G_P, G_AP)
            assert value(s) + (int(carry) << 8) == x + y


def test_ecc_parity_is_linear_so_xor_keeps_a_valid_check_word():
    rng = np.random.default_rng(0)
    h = cim.hamming_parity_matrix(32)
    assert h.shape == (6, 32)
    for _ in range(50):
        a, b = rng.integers(0, 2, 32), rng.integers(0, 2, 32)
        np.testing.assert_array_equal(cim.parity(a ^ b, h), cim.parity(a, h) ^ cim.parity(b, h))
    assert cim.ecc_xor_overhead(32) == pytest.approx(6 / 32)


def test_reference_outside_the_read_levels_is_refused():
    lv = cim.stt_levels(0.1 * G_P, 0.1 * G_AP)
    with pytest.raises(ValueError, match="ref_or"):
        cim.stt_cim_op("OR", PAIRS[:, 0], PAIRS[:, 1], G_P, G_AP, refs=(lv["11"] * 1.1, lv["ref_and"]))
    with pytest.raises(ValueError, match="ref_and"):
        cim.stt_cim_op("AND", PAIRS[:, 0], PAIRS[:, 1], G_P, G_AP, refs=(lv["ref_or"], lv["00"] * 0.5))
    with pytest.raises(ValueError, match="outside the read levels"):
        cim.diff_cim_op("AND", PAIRS[:, 0], PAIRS[:, 1], G_P, G_AP, ref=-1.0)


def test_monte_carlo_reference_on_or_beyond_a_level_is_refused():
    for f in (0.0, 1.0, 1.3):
        with pytest.raises(ValueError, match="ref_or|ref_and"):
            cim.sense_statistics("stt", False, cim.VariationConfig(samples=10), ref_fraction=f)
        with pytest.raises(ValueError, match="outside the read levels"):
            cim.sense_statistics("vsh", True, cim.VariationConfig(samples=10), ref_fraction=f)
    shifted = cim.sense_statistics("stt", False, cim.VariationConfig(samples=2000), ref_fraction=0.2)
    centred = cim.sense_statistics("stt", False, cim.VariationConfig(samples=2000), ref_fraction=0.5)
    assert shifted["OR"].ber_gauss > centred["OR"].ber_gauss


def test_zero_sample_monte_carlo_is_refused():
    with pytest.raises(ValueError, match="samples"):
        cim.VariationConfig(samples=0)


def test_monte_carlo_margins_and_ber_trends():
    var = cim.VariationConfig(samples=4000)
    stt = cim.sense_statistics("stt", False, var)
    # nominal margins: a read sits at the iso sense margin; OR/AND references see on average more
    assert stt["READ"].margin_mean_v == pytest.approx(0.040, rel=0.05)
    # CiM decisions are less reliable than a read under variation, XOR (two decisions) least
    assert stt["READ"].ber_gauss < stt["AND"].ber_gauss <= stt["XOR"].ber_gauss * 1.5
    # more variation -> more errors
    worse = cim.sense_statistics("stt", False, cim.VariationConfig(samples=4000, sigma_rp=0.10))
    assert worse["AND"].ber_mc > stt["AND"].ber_mc
    # no variation and no SA offset would be error-free: with variation only zero it is far below
    clean = cim.sense_statistics("stt", False, cim.VariationConfig(samples=2000, sigma_rp=0, sigma_tmr=0,
                                                                  sigma_vt_mv=0))
    assert clean["XOR"].ber_gauss < stt["XOR"].ber_gauss
    diff = cim.sense_statistics("vsh", True, var)
    assert set(diff) == {"READ", "AND", "NOR", "OR", "XOR", "ADD"}


def test_cim_access_is_cheaper_than_two_reads():
    e = cim.cim_access_energy("stt")
    assert e["e_cim_j"] < e["e_two_reads_j"]
    assert e["cim_vs_reads"] == pytest.approx(e["e_two_reads_j"] / e["e_cim_j"])


def test_word_error_rate_with_and_without_ecc():
    p = 1e-4
    assert cim.word_error_rate(p) == pytest.approx(32 * p, rel=0.01)
    with_ecc = cim.word_error_rate(p, ecc=True)
    assert with_ecc == pytest.approx(38 * 37 / 2 * p * p, rel=0.02)
    with pytest.raises(ValueError, match="ber"):
        cim.word_error_rate(1.5)


def test_gaussian_ber_is_the_normal_tail_of_each_input_combinations_margin():
    """ber_gauss is the mean over input combinations of P(margin < 0) of a normal with their mean and sigma, here
    recomputed from the drawn margins with scipy.stats.norm."""
    from scipy.stats import norm

    var = cim.VariationConfig(sigma_rp=0.12, sigma_tmr=0.1, samples=500)
    drawn = {}
    stats = cim.sense_statistics("stt", False, var, samples_out=drawn)
    for op in ("READ", "OR", "AND", "XOR"):
        groups = np.split(drawn[op], 2 if op == "READ" else 4)
        expected = float(np.mean([norm.sf(g.mean() / max(g.std(), 1e-30)) for g in groups]))
        assert stats[op].ber_gauss == expected
        assert stats[op].margin_3sigma_v == min(float(g.mean() - 3 * g.std()) for g in groups)
