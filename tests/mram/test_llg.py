"""LLG solver checked against closed forms: precession frequency, |m| = 1, linear-stability critical current,
Boltzmann statistics (KS test), the precessional switching law, and bad input."""

import math

import numpy as np
import pytest
from scipy.stats import kstest

from workbench.mram import device as d
from workbench.mram.llg import GAMMA, MU0, Magnet, equilibrium_states, simulate
from workbench.mram.params import load_magnet


def _isotropic(alpha=0.01):
    # a sphere without crystalline anisotropy: the demag field is parallel to m and exerts no torque
    return Magnet(ms_a_per_m=1e6, ku_j_per_m3=0.0, alpha=alpha, length_nm=20, width_nm=20, thickness_nm=20,
                  demag=(1 / 3, 1 / 3, 1 / 3))


@pytest.mark.parametrize("alpha", [0.01, 0.1])
def test_precession_frequency_matches_gamma_b_over_one_plus_alpha_squared(alpha):
    b = 0.1
    r = simulate(_isotropic(alpha), n=1, t_end_s=0.5e-9, dt_s=2e-13, temperature_k=0.0, b_ext_t=(0, 0, b),
                 m0=np.array([[1.0], [0.0], [0.0]]), record_every=5, keep_trajectory=True)
    phase = np.unwrap(np.arctan2(r.trajectory[:, 1, 0], r.trajectory[:, 0, 0]))
    omega = abs(np.polyfit(r.times_s, phase, 1)[0])
    assert omega == pytest.approx(GAMMA * b / (1 + alpha ** 2), rel=0.005)


def test_norm_is_one_after_renormalisation_and_the_drift_before_it_is_measured():
    m = load_magnet("pma_cofeb")
    r = simulate(m, n=500, t_end_s=0.3e-9, dt_s=1e-12, temperature_k=300, b_dl_t=3 * m.b_dl_critical_t(),
                 b_fl_t=0.001, record_every=1)
    assert np.max(np.abs(np.linalg.norm(r.m, axis=0) - 1)) < 1e-12
    # the Heun step's own drift, measured before m <- m / |m|: nonzero, and small at 1 ps
    assert 1e-12 < r.max_norm_error < 1e-6


def test_norm_drift_before_renormalisation_falls_faster_than_the_time_step():
    m = load_magnet("pma_cofeb")
    m0 = np.array([[0.3], [0.0], [math.sqrt(1 - 0.09)]])
    drift = [simulate(m, n=1, t_end_s=0.3e-9, dt_s=dt, temperature_k=0.0, b_dl_t=3 * m.b_dl_critical_t(),
                      m0=m0).max_norm_error for dt in (2e-12, 1e-12, 0.5e-12)]
    assert drift[0] > 2 * drift[1] > 0 and drift[1] > 2 * drift[2] > 0


@pytest.mark.parametrize("preset", ["pma_cofeb", "inplane_cofeb"])
def test_zero_temperature_critical_current_within_5_percent_of_analytic(preset):
    m = load_magnet(preset)
    assert d.critical_overdrive_llg(m, dt_s=2e-12) == pytest.approx(1.0, abs=0.05)


def test_analytic_critical_fields_are_the_textbook_forms():
    pma, ima = load_magnet("pma_cofeb"), load_magnet("inplane_cofeb")
    bk_eff = pma.bk_t - MU0 * pma.ms_a_per_m
    assert pma.b_dl_critical_t() == pytest.approx(pma.alpha * bk_eff)
    assert ima.b_dl_critical_t() == pytest.approx(ima.alpha * (ima.bk_t + MU0 * ima.ms_a_per_m / 2))
    assert pma.delta() == pytest.approx(40, abs=1.5) and ima.delta() == pytest.approx(40, abs=1.5)


def test_unbiased_magnet_samples_the_boltzmann_distribution():
    ms = 1e6
    m = Magnet(ms_a_per_m=ms, ku_j_per_m3=0.5 * MU0 * ms ** 2 + 2e5, alpha=0.1, length_nm=10, width_nm=10,
               thickness_nm=1.0)
    c = np.abs(d.thermal_samples(m, n=800, t_end_s=1e-9, seed=3))
    assert kstest(c, d.boltzmann_cdf_easy(m, 300.0)).pvalue > 0.01
    # and the test has power: the distribution at half the temperature is rejected
    assert kstest(c, d.boltzmann_cdf_easy(m, 150.0)).pvalue < 1e-6


def test_switching_time_follows_the_precessional_law():
    m = load_magnet("pma_cofeb")
    theta0 = 0.05
    ods = np.array([3.0, 6.0, 12.0])
    m0 = np.tile([[math.sin(theta0)], [0.0], [math.cos(theta0)]], (1, len(ods)))
    r = simulate(m, n=len(ods), t_end_s=6.5e-9, dt_s=2e-12, temperature_k=0, b_dl_t=ods * m.b_dl_critical_t(),
                 m0=m0, record_every=1)
    for t, i in zip(r.switch_time_s, ods):
        assert t == pytest.approx(d.precessional_time_s(m, i, theta0), rel=0.01)
    # 1 / t_sw grows linearly with the overdrive for i >> 1 (Sun 2000)
    inv = 1 / r.switch_time_s
    assert (inv[2] - inv[1]) / (inv[1] - inv[0]) == pytest.approx(2.0, rel=0.1)


def test_thermal_initial_states_have_equipartition_variance():
    m = load_magnet("pma_cofeb")
    s = equilibrium_states(m, 20000, 300.0, rng=np.random.default_rng(0))
    k = m.transverse_stiffness_j_per_m3()[0]
    expected = 1.380649e-23 * 300 / (2 * k * m.volume_m3)
    assert np.var(s[0]) == pytest.approx(expected, rel=0.05)


def test_switching_table_wer_falls_with_pulse_and_current():
    m = load_magnet("pma_cofeb")
    table = d.compute_switching_table(m, (4.0, 8.0), n=100, t_max_s=3e-9)
    pulses = np.array([1e-9, 2e-9, 2.8e-9])
    low, high = table.wer(0, pulses), table.wer(1, pulses)
    assert np.all(np.diff(low) <= 0) and np.all(high <= low)
    assert table.write_time_s(1, 0.05) < table.write_time_s(0, 0.05)


@pytest.mark.parametrize("field,value,match", [("ms_a_per_m", -1e6, "ms_a_per_m"), ("alpha", 0.0, "alpha"),
                                               ("alpha", -0.1, "alpha"), ("thickness_nm", 0.0, "thickness_nm")])
def test_unphysical_magnet_is_refused_naming_the_field(field, value, match):
    kwargs = dict(ms_a_per_m=1e6, ku_j_per_m3=1e5, alpha=0.01, length_nm=40, width_nm=40, thickness_nm=1.0)
    kwargs[field] = value
    with pytest.raises(ValueError, match=match):
        Magnet(**kwargs)


def test_pulse_shorter_than_time_step_is_refused():
    with pytest.raises(ValueError, match="shorter than the time step"):
        simulate(load_magnet(), t_end_s=0.5e-12, dt_s=1e-12)


def test_zero_sample_monte_carlo_is_refused():
    with pytest.raises(ValueError, match="n=0"):
        simulate(load_magnet(), n=0)
    with pytest.raises(ValueError, match="samples"):
        d.compute_switching_table(load_magnet(), n=0)


def test_field_like_torque_acts_as_a_field_along_p():
    b_fl = 0.05
    r = simulate(_isotropic(0.01), n=1, t_end_s=0.3e-9, dt_s=2e-13, temperature_k=0.0, b_fl_t=b_fl, p=(0, 0, 1),
                 m0=np.array([[1.0], [0.0], [0.0]]), record_every=5, keep_trajectory=True)
    phase = np.unwrap(np.arctan2(r.trajectory[:, 1, 0], r.trajectory[:, 0, 0]))
    assert abs(np.polyfit(r.times_s, phase, 1)[0]) == pytest.approx(GAMMA * b_fl / (1 + 0.01 ** 2), rel=0.005)


def test_axis_aligned_and_general_polarisation_paths_agree():
    m = load_magnet("inplane_cofeb")
    m0 = np.array([[math.cos(0.1)], [math.sin(0.1)], [0.0]])
    kwargs = dict(n=1, t_end_s=1e-9, dt_s=1e-12, temperature_k=0.0, b_dl_t=3 * m.b_dl_critical_t(), m0=m0)
    fast = simulate(m, p=(-1.0, 0.0, 0.0), **kwargs)
    general = simulate(m, p=(-1.0, 1e-12, 0.0), **kwargs)  # not exactly on an axis: the matmul path
    np.testing.assert_allclose(fast.m, general.m, atol=1e-8)


def test_switching_tables_are_cached_on_disk_keyed_by_parameters(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_DATA", str(tmp_path))
    m = load_magnet("pma_cofeb")
    kwargs = dict(n=20, t_max_s=2e-9, seed=7)
    first = d.switching_table(m, (6.0,), **kwargs)
    assert len(list((tmp_path / "results" / "mram_llg").glob("*.npz"))) == 1
    d.switching_table.cache_clear()
    again = d.switching_table(m, (6.0,), compute=False, **kwargs)  # from disk, no LLG run
    np.testing.assert_allclose(again.times_s, first.times_s, rtol=1e-6)
    with pytest.raises(LookupError):
        d.switching_table(m, (6.0,), compute=False, n=21, t_max_s=2e-9, seed=7)  # other parameters: not stored
    # the shipped preset tables are found without computing
    d.switching_table.cache_clear()
    assert d.switching_table(m, compute=False).n == 2000


def test_shipped_pma_table_wer_tail_follows_the_precessional_law():
    # thermal initial angles (theta0^2 ~ Exp(1/Delta)) and t_sw = tau_D ln(C / theta0) / (i - 1) give
    # WER(t) ~ exp(-2 (i - 1) t / tau_D) (Sun 2000; Butler et al. 2012): the slope of log WER is checked
    m = load_magnet("pma_cofeb")
    table = d.switching_table(m, compute=False)
    tau = m.precession_time_s()
    for k, i in enumerate(table.overdrives):
        if i < 1.5:
            continue
        t = np.sort(table.times_s[k])
        wer = 1 - np.arange(1, table.n + 1) / table.n
        sel = np.isfinite(t) & (wer >= 5 / table.n) & (wer <= 0.3)
        slope = np.polyfit(t[sel], np.log(wer[sel]), 1)[0]
        assert slope == pytest.approx(-2 * (i - 1) / tau, rel=0.12), i


def test_a_damaged_switching_table_is_named_and_computed_again(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_DATA", str(tmp_path))
    m = load_magnet("pma_cofeb")
    kwargs = dict(n=20, t_max_s=2e-9, seed=7)
    first = d.switching_table(m, (6.0,), **kwargs)
    [path] = (tmp_path / "results" / "mram_llg").glob("*.npz")
    whole = path.read_bytes()
    path.write_bytes(whole[:40])
    d.switching_table.cache_clear()
    with pytest.warns(UserWarning, match=rf"cache file {path} is damaged \(does not match the SHA-256 .*\); "
                                         r"computing the table again, which replaces it"):
        again = d.switching_table(m, (6.0,), **kwargs)
    np.testing.assert_allclose(again.times_s, first.times_s, rtol=1e-6)
    d.switching_table.cache_clear()
    assert d.switching_table(m, (6.0,), compute=False, **kwargs).n == 20  # the rebuilt file reads back
    d.switching_table.cache_clear()


def _tampered_copy(tmp_path, monkeypatch, change):
    """The shipped pma_cofeb table copied under ``tmp_path/mram_llg`` (made the reference folder) with its times
    changed by ``change`` and the shipped sidecar (recording the shipped file's hash)."""
    import io
    import shutil

    m = load_magnet("pma_cofeb")
    key = d._key(m, d.DEFAULT_OVERDRIVES, 2000, 20e-9, 1e-12, 300.0, 0)
    shipped = d._paths(key)[0]
    folder = tmp_path / "mram_llg"
    folder.mkdir()
    shutil.copy(shipped.with_suffix(".json"), folder)
    with np.load(shipped) as data:
        overdrives, times = data["overdrives"], change(data["times_s"].copy())
    buffer = io.BytesIO()
    np.savez_compressed(buffer, overdrives=overdrives, times_s=times)
    path = folder / shipped.name
    path.write_bytes(buffer.getvalue())
    monkeypatch.setattr(d, "reference_dir", lambda: tmp_path)
    d.switching_table.cache_clear()
    return m, path


def _nan(times):
    times[0, 0] = np.nan
    return times


@pytest.mark.parametrize(("change", "resign", "reason"), [
    (lambda times: times * 1000, False, r"does not match the SHA-256 its sidecar \w+.json records"),
    (_nan, False, r"does not match the SHA-256"),
    (_nan, True, r"times_s holds 1 non-finite value"),
    (lambda times: times * 1000, True, r"its switching times span .* s; allowed: 0 < t <= t_max = 2e-08 s"),
    (lambda times: times[:, :10], True, r"it holds \(11, 10\) times"),
])
def test_a_damaged_shipped_switching_table_is_one_error_naming_it_and_how_to_remake_it(tmp_path, monkeypatch, change,
                                                                                      resign, reason):
    from workbench.core.integrity import DamagedFile, write_with_sidecar

    m, path = _tampered_copy(tmp_path, monkeypatch, change)
    if resign:
        write_with_sidecar(path, path.read_bytes(), {})
    try:
        with pytest.raises(DamagedFile, match=rf"^{path}:? {reason}.*; restore it with `git checkout -- {path}` or "
                                              r"make it again with `workbench regenerate mram` \(minutes\)$"):
            d.switching_table(m)
    finally:
        d.switching_table.cache_clear()


def test_write_times_per_target_wer_are_computed_once_and_equal_the_per_overdrive_ones():
    """write_times_s keeps its answer per target WER (the array model asks for the same ones at every write): over
    many WERs (the empirical quantile and the extrapolated tail), asked in two orders, it equals write_time_s at
    each overdrive bit for bit, and the kept arrays are read-only."""
    table = d.switching_table(load_magnet("pma_cofeb"), compute=False)
    targets = [float(w) for w in np.geomspace(1e-9, 0.4, 40)]
    for target in targets + targets[::-1]:
        expected = [table.write_time_s(k, target) for k in range(len(table.overdrives))]
        assert np.array_equal(table.write_times_s(target), expected), target
    assert len(table._write_times) == len(targets)
    assert table.write_times_s(targets[0]) is table.write_times_s(targets[0])
    with pytest.raises(ValueError, match="read-only"):
        table.write_times_s(targets[0])[0] = 0.0
