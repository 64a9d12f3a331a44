"""Stochastic macrospin Landau-Lifshitz-Gilbert solver with spin-transfer and spin-orbit torques, vectorised over
thousands of magnets (numpy, float64).

Equation (Gilbert form, fields in tesla, ``gamma`` = 1.7609e11 rad/(s T)):

    dm/dt = -gamma m x B_tot + alpha m x dm/dt,
    B_tot = B_anis + B_demag + B_ext + B_th + B_FL p + B_DL (m x p)

The damping-like (Slonczewski) torque ``-gamma B_DL m x (m x p)`` and the field-like torque ``-gamma B_FL m x p`` are
written as the effective fields ``B_DL (m x p)`` and ``B_FL p`` (Slonczewski, JMMM 159, L1 (1996); for spin-orbit
torques Liu et al., Science 336, 555 (2012)). ``B_DL > 0`` drives ``m`` towards ``p``. The Gilbert form is solved in
its equivalent Landau-Lifshitz form (exact for any effective field, Gilbert, IEEE Trans. Magn. 40, 3443 (2004)):

    dm/dt = -gamma / (1 + alpha^2) [m x B_tot + alpha m x (m x B_tot)]

* Anisotropy: uniaxial, ``B_anis = (2 K_u / M_s)(m . e) e`` with ``e`` = z (perpendicular, PMA) or x (in-plane).
* Demagnetising field of a thin film (or an ellipse): ``B_demag = -mu0 M_s (N_x m_x, N_y m_y, N_z m_z)``, default
  ``N = (0, 0, 1)``.
* Thermal field: Gaussian, independent per component and step, variance ``2 alpha k_B T / (gamma M_s V dt)`` (T^2),
  i.e. Brown's ``2 alpha k_B T / (gamma' mu0 M_s V dt)`` for H in A/m times mu0^2 (Brown, Phys. Rev. 130, 1677
  (1963); Garcia-Palacios & Lazaro, PRB 58, 14937 (1998)).
* Integrator: stochastic Heun (predictor-corrector with the same noise in both stages; converges to the Stratonovich
  solution the physics needs), followed by renormalisation ``m <- m / |m|`` so ``|m| = 1`` to round-off. The
  drift of ``|m|`` each step makes before that renormalisation is the integrator's error measure
  (:attr:`LLGResult.max_norm_error`; Heun's per-step drift falls with ``dt`` at fixed field).

The torque amplitudes come from currents through :func:`b_dl_from_spin_current`: ``B_DL = hbar I_s / (2 e M_s V)``
for a spin current ``I_s`` (in units of charge current) absorbed by the free layer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

GAMMA = 1.760859e11  # rad / (s T), electron gyromagnetic ratio (CODATA 2018)
MU0 = 4e-7 * math.pi  # T m / A
KB = 1.380649e-23  # J / K
HBAR = 1.054571817e-34  # J s
QE = 1.602176634e-19  # C

ANISOTROPY = ("perpendicular", "in-plane")


def _positive(name: str, value: float, *, allow_zero: bool = False) -> float:
    value = float(value)
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        allowed = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name}={value!r} is not physical; allowed: a finite number {allowed}")
    return value


@dataclass(frozen=True)
class Magnet:
    """A single-domain free layer (macrospin).

    Parameters
    ----------
    ms_a_per_m : float
        Saturation magnetisation M_s (A/m), > 0.
    ku_j_per_m3 : float
        Uniaxial anisotropy energy density K_u (J/m^3), >= 0 (for PMA the interfacial + bulk K before the demag
        correction; the effective barrier subtracts mu0 M_s^2 / 2).
    alpha : float
        Gilbert damping, > 0.
    length_nm, width_nm, thickness_nm : float
        Free-layer geometry; the volume is an ellipse (pi/4 L W t) when ``elliptical`` else a rectangle.
    anisotropy : str
        ``"perpendicular"`` (easy axis z, the film normal) or ``"in-plane"`` (easy axis x, the long axis).
    demag : tuple of float
        Demagnetising factors (N_x, N_y, N_z); thin film (0, 0, 1) by default.
    elliptical : bool
        Elliptical (True) or rectangular footprint.
    """

    ms_a_per_m: float
    ku_j_per_m3: float
    alpha: float
    length_nm: float
    width_nm: float
    thickness_nm: float
    anisotropy: str = "perpendicular"
    demag: tuple[float, float, float] = (0.0, 0.0, 1.0)
    elliptical: bool = True

    def __post_init__(self) -> None:
        _positive("ms_a_per_m", self.ms_a_per_m)
        _positive("ku_j_per_m3", self.ku_j_per_m3, allow_zero=True)
        _positive("alpha", self.alpha)
        for name in ("length_nm", "width_nm", "thickness_nm"):
            _positive(name, getattr(self, name))
        if self.anisotropy not in ANISOTROPY:
            raise ValueError(f"anisotropy={self.anisotropy!r}; allowed: {ANISOTROPY}")
        demag = tuple(float(n) for n in self.demag)
        if len(demag) != 3 or any(n < 0 or not math.isfinite(n) for n in demag) or abs(sum(demag) - 1) > 1e-6:
            raise ValueError(f"demag={self.demag!r}; allowed: three factors >= 0 summing to 1")
        object.__setattr__(self, "demag", demag)

    # -- derived quantities -------------------------------------------------------------------------------------------
    @property
    def volume_m3(self) -> float:
        area = self.length_nm * self.width_nm * (math.pi / 4 if self.elliptical else 1.0)
        return area * self.thickness_nm * 1e-27

    @property
    def area_m2(self) -> float:
        return self.length_nm * self.width_nm * (math.pi / 4 if self.elliptical else 1.0) * 1e-18

    @property
    def easy_axis(self) -> int:
        """Index of the easy axis: 2 (z) for PMA, 0 (x) in-plane."""
        return 2 if self.anisotropy == "perpendicular" else 0

    @property
    def bk_t(self) -> float:
        """Crystalline/interfacial anisotropy field 2 K_u / M_s (T)."""
        return 2 * self.ku_j_per_m3 / self.ms_a_per_m

    @property
    def bd_t(self) -> float:
        """mu0 M_s (T)."""
        return MU0 * self.ms_a_per_m

    def transverse_stiffness_j_per_m3(self) -> tuple[float, float]:
        """Effective anisotropy ``K_i = K_u + mu0 M_s^2 (N_i - N_e) / 2`` (J/m^3) of the two transverse axes (in axis
        order), the energy per volume of a small tilt ``u_i``: ``E = V sum K_i u_i^2``."""
        e = self.easy_axis
        half = 0.5 * MU0 * self.ms_a_per_m ** 2
        return tuple(self.ku_j_per_m3 + half * (self.demag[i] - self.demag[e]) for i in range(3) if i != e)

    @property
    def barrier_j(self) -> float:
        """Energy barrier between the two easy-axis states (J): the lower transverse stiffness times V (the magnet
        reverses through the softer transverse direction)."""
        return min(self.transverse_stiffness_j_per_m3()) * self.volume_m3

    def delta(self, temperature_k: float = 300.0) -> float:
        """Thermal stability factor Delta = E_b / (k_B T)."""
        return self.barrier_j / (KB * _positive("temperature_k", temperature_k))

    def retention_s(self, temperature_k: float = 300.0, attempt_time_s: float = 1e-9) -> float:
        """Neel-Brown retention time tau0 exp(Delta) (s) of one bit (attempt time 1 ns, Brown 1963)."""
        return attempt_time_s * math.exp(min(self.delta(temperature_k), 700.0))

    def stable(self) -> bool:
        """Whether the easy axis is a minimum (both transverse stiffnesses positive)."""
        return min(self.transverse_stiffness_j_per_m3()) > 0

    def b_dl_critical_t(self) -> float:
        """Zero-temperature damping-like field at the onset of instability for ``p`` along the easy axis (T).

        Linear stability of the Gilbert equation about the easy axis with collinear ``p``: the two transverse
        stiffness fields ``B_i = 2 K_i / M_s`` enter as their mean, ``B_DL,c = alpha (B_1 + B_2) / 2``; for PMA that
        is ``alpha B_k,eff`` and for an in-plane thin film ``alpha (B_k + mu0 M_s / 2)`` (Sun, PRB 62, 570 (2000)).
        """
        k1, k2 = self.transverse_stiffness_j_per_m3()
        return self.alpha * (k1 + k2) / self.ms_a_per_m

    def spin_current_critical_a(self) -> float:
        """Critical spin current ``I_s,c0 = 2 e M_s V B_DL,c / hbar`` (A); divide by a path's spin efficiency for the
        charge current."""
        return 2 * QE * self.ms_a_per_m * self.volume_m3 * self.b_dl_critical_t() / HBAR

    def precession_time_s(self) -> float:
        """Characteristic time ``tau_D = (1 + alpha^2) / (gamma B_DL,c)`` of the precessional regime (s): for PMA
        ``d theta/dt = sin(theta) (i - cos(theta)) / tau_D`` with ``i = B_DL / B_DL,c``."""
        return (1 + self.alpha ** 2) / (GAMMA * self.b_dl_critical_t())


def b_dl_from_spin_current(magnet: Magnet, spin_current_a: float | np.ndarray) -> float | np.ndarray:
    """Damping-like field ``B_DL = hbar I_s / (2 e M_s V)`` (T) of a spin current (A) absorbed by the free layer."""
    return HBAR * np.asarray(spin_current_a, dtype=float) / (2 * QE * magnet.ms_a_per_m * magnet.volume_m3)


def thermal_sigma_t(magnet: Magnet, temperature_k: float, dt_s: float) -> float:
    """Standard deviation of each thermal-field component per step (T): sqrt(2 alpha k_B T / (gamma M_s V dt))."""
    if temperature_k == 0:
        return 0.0
    return math.sqrt(2 * magnet.alpha * KB * temperature_k / (GAMMA * magnet.ms_a_per_m * magnet.volume_m3 * dt_s))


def equilibrium_states(magnet: Magnet, n: int, temperature_k: float, *, sign: float = 1.0,
                       rng: np.random.Generator | None = None) -> np.ndarray:
    """``n`` initial states (3, n) drawn from the small-angle Boltzmann distribution of one well.

    Each transverse component ``u_i`` is Gaussian with variance ``k_B T / (2 K_i V)`` (equipartition on
    ``E = V sum K_i u_i^2``); the easy component is ``sign * sqrt(1 - u^2)``. At ``T = 0`` all states lie on the axis.
    """
    rng = np.random.default_rng() if rng is None else rng
    m = np.zeros((3, n))
    e = magnet.easy_axis
    if temperature_k > 0:
        for i, k in zip([i for i in range(3) if i != e], magnet.transverse_stiffness_j_per_m3()):
            if k <= 0:
                raise ValueError(f"magnet has no stable easy axis (transverse stiffness {k:g} J/m3 <= 0)")
            m[i] = rng.standard_normal(n) * math.sqrt(KB * temperature_k / (2 * k * magnet.volume_m3))
        m[[i for i in range(3) if i != e]] = np.clip(m[[i for i in range(3) if i != e]], -0.7, 0.7)
    m[e] = sign * np.sqrt(np.maximum(1 - (m ** 2).sum(axis=0), 0.0))
    return m


@dataclass
class LLGResult:
    """What :func:`simulate` returns.

    Attributes
    ----------
    m : ndarray (3, n)
        Final magnetisations.
    times_s : ndarray
        Checkpoint times (s), every ``record_every`` steps.
    target_component : ndarray (len(times), n)
        ``m . target`` at each checkpoint (``target`` = the axis the write drives towards), when requested.
    switch_time_s : ndarray (n,)
        First time ``m . target`` crossed ``switch_threshold`` (inf if never).
    max_norm_error : float
        max | |m| - 1 | over all steps and magnets of the Heun step's result *before* renormalisation (the
        integrator's per-step norm drift; after renormalisation |m| = 1 to round-off).
    """

    m: np.ndarray
    times_s: np.ndarray
    target_component: np.ndarray
    switch_time_s: np.ndarray
    max_norm_error: float
    trajectory: np.ndarray | None = None


def simulate(magnet: Magnet, *, n: int = 1, t_end_s: float = 1e-9, dt_s: float = 1e-12, temperature_k: float = 300.0,
             b_dl_t: float | np.ndarray = 0.0, b_fl_t: float | np.ndarray = 0.0,
             p: tuple[float, float, float] | None = None,
             b_ext_t: tuple[float, float, float] = (0.0, 0.0, 0.0), m0: np.ndarray | None = None,
             target: tuple[float, float, float] | None = None, switch_threshold: float = 0.0,
             record_every: int = 0, keep_trajectory: bool = False, seed: int | None = 0,
             stop_when_switched: bool = False, threads: int = 1) -> LLGResult:
    """Integrate ``n`` independent magnets for ``t_end_s`` with stochastic Heun steps of ``dt_s``.

    Parameters
    ----------
    b_dl_t, b_fl_t : float or array (n,)
        Damping-like and field-like torque amplitudes (T); an array gives each magnet its own current.
    p : 3-vector
        Spin polarisation (unit); default: minus the easy axis (a write from the +easy to the -easy state).
    m0 : array (3, n)
        Initial states; default: thermal states of the +easy well (:func:`equilibrium_states`).
    target : 3-vector
        Axis whose component is tracked for switching (default ``p``).
    record_every : int
        Store ``m . target`` every this many steps (0: only the end).
    keep_trajectory : bool
        Also keep the full ``m`` at each checkpoint (memory: 3 n checkpoints floats).
    stop_when_switched : bool
        End at the first checkpoint where every magnet has switched (the remaining checkpoints are not recorded).
    threads : int
        torch intra-op threads (1: on a shared 2-core machine more threads were measured up to 50x slower).

    Raises
    ------
    ValueError
        For a pulse shorter than the time step, a non-positive time step, ``n < 1`` or a negative temperature.
    """
    if not (dt_s > 0 and math.isfinite(dt_s)):
        raise ValueError(f"dt_s={dt_s!r}; allowed: a time step > 0")
    if not t_end_s >= dt_s:
        raise ValueError(f"pulse t_end_s={t_end_s!r} s is shorter than the time step dt_s={dt_s!r} s; "
                         "allowed: t_end_s >= dt_s")
    if int(n) < 1:
        raise ValueError(f"n={n!r} magnets; allowed: n >= 1")
    _positive("temperature_k", temperature_k, allow_zero=True)
    n = int(n)
    rng = np.random.default_rng(seed)
    e = magnet.easy_axis
    if p is None:
        p = tuple(-1.0 if i == e else 0.0 for i in range(3))
    p_vec = np.asarray(p, dtype=float)
    p_vec = p_vec / np.linalg.norm(p_vec)
    tgt = p_vec if target is None else np.asarray(target, dtype=float) / np.linalg.norm(target)
    m = equilibrium_states(magnet, n, temperature_k, rng=rng) if m0 is None else np.array(m0, dtype=float, copy=True)
    if m.shape != (3, n):
        raise ValueError(f"m0 has shape {m.shape}; allowed: (3, n) = (3, {n})")
    m /= np.sqrt((m ** 2).sum(axis=0))

    steps = int(round(t_end_s / dt_s))
    sigma = thermal_sigma_t(magnet, temperature_k, dt_s)
    record = max(int(record_every), 0)
    from workbench.nn.device import torch_threads

    with torch.no_grad(), torch_threads(threads):
        return _integrate(magnet, m, steps, dt_s, sigma, b_dl_t, b_fl_t, p_vec, b_ext_t, tgt, switch_threshold,
                          record, keep_trajectory, seed, stop_when_switched)


def _integrate(magnet, m, steps, dt_s, sigma, b_dl_t, b_fl_t, p_vec, b_ext_t, tgt, threshold, record,
               keep_trajectory, seed, stop_when_switched=False) -> LLGResult:
    """The Heun loop on (3, n) float64 torch tensors (torch's vectorised Gaussian generator is ~5x faster than
    numpy's here, and (3, n) blocks keep the per-step operation count small)."""
    n = m.shape[1]
    dtype = torch.float64
    gen = torch.Generator().manual_seed(0 if seed is None else int(seed))
    g = GAMMA / (1 + magnet.alpha ** 2)
    a = magnet.alpha
    e = magnet.easy_axis
    m_t = torch.from_numpy(m).to(dtype)
    demag = torch.tensor([magnet.bd_t * d for d in magnet.demag], dtype=dtype).reshape(3, 1)
    aniso = torch.zeros(3, 1, dtype=dtype)
    aniso[e, 0] = magnet.bk_t
    k_diag = aniso - demag  # B_anis + B_demag = (bk e_e - mu0 Ms N) . m, diagonal
    bdl = torch.as_tensor(np.broadcast_to(np.asarray(b_dl_t, dtype=float), (n,)).copy(), dtype=dtype)
    bfl = torch.as_tensor(np.broadcast_to(np.asarray(b_fl_t, dtype=float), (n,)).copy(), dtype=dtype)
    p = torch.as_tensor(p_vec, dtype=dtype).reshape(3, 1)
    const = torch.as_tensor(np.asarray(b_ext_t, dtype=float), dtype=dtype).reshape(3, 1) + p * bfl
    has_dl = bool(torch.any(bdl != 0))
    # B_DL (m x p) = bdl * cross(m, p): precompute the p cross-matrix so it is one matmul
    px, py, pz = (float(v) for v in p_vec)
    cross_p = torch.tensor([[0.0, pz, -py], [-pz, 0.0, px], [py, -px, 0.0]], dtype=dtype)  # (m x p) = cross_p @ m

    # preallocated work buffers: every operation below is in place (about half the time of fresh temporaries)
    buf_b = torch.empty(3, n, dtype=dtype)
    buf_t = torch.empty(3, n, dtype=dtype)
    dot = torch.empty(n, dtype=dtype)

    def _dot(u, v, out):
        torch.mul(u[0], v[0], out=out)
        out.addcmul_(u[1], v[1])
        return out.addcmul_(u[2], v[2])

    has_const = bool(torch.any(const != 0))
    axis = [i for i in range(3) if abs(p_vec[i]) == 1.0]
    # p along a coordinate axis k (every write path here): m x p has two nonzero rows, two fused multiply-adds
    if axis:
        k_ax = axis[0]
        i_ax, j_ax = (k_ax + 1) % 3, (k_ax + 2) % 3
        bdl_signed = bdl * float(p_vec[k_ax])

    def rhs(mm, noise, out):
        """LL right-hand side -g [m x B + alpha ((m.B) m - B)] written into ``out`` (3, n)."""
        bb = torch.mul(k_diag, mm, out=buf_b)
        if has_const:
            bb.add_(const)
        if noise is not None:
            bb.add_(noise)
        if has_dl:
            if axis:  # (m x e_k)_i = m_j, (m x e_k)_j = -m_i for (i, j, k) cyclic
                bb[i_ax].addcmul_(mm[j_ax], bdl_signed)
                bb[j_ax].addcmul_(mm[i_ax], bdl_signed, value=-1.0)
            else:
                bb.add_(torch.matmul(cross_p, mm).mul_(bdl))
        mb = _dot(mm, bb, dot)
        torch.mul(mm[1], bb[2], out=out[0]).addcmul_(mm[2], bb[1], value=-1.0)
        torch.mul(mm[2], bb[0], out=out[1]).addcmul_(mm[0], bb[2], value=-1.0)
        torch.mul(mm[0], bb[1], out=out[2]).addcmul_(mm[1], bb[0], value=-1.0)
        torch.mul(mm, mb, out=buf_t).sub_(bb)
        return out.add_(buf_t, alpha=a).mul_(-g)

    n_rec = steps // record if record else 0
    times = (np.arange(1, n_rec + 1) * record * dt_s) if record else np.array([steps * dt_s])
    comp = np.empty((len(times), n))
    traj = np.empty((len(times), 3, n)) if keep_trajectory else None
    t_switch = np.full(n, np.inf)
    not_switched = np.ones(n, dtype=bool)
    target = torch.as_tensor(tgt, dtype=dtype).reshape(3, 1)
    noise = torch.empty(3, n, dtype=torch.float32) if sigma > 0 else None
    norm_lo = torch.full((), 1.0, dtype=dtype)  # extremes of |m|^2 before renormalisation, over all steps
    norm_hi = torch.full((), 1.0, dtype=dtype)
    k = 0
    h = 0.5 * dt_s
    f = torch.empty(3, n, dtype=dtype)
    f2 = torch.empty(3, n, dtype=dtype)
    q = torch.empty(3, n, dtype=dtype)
    norm = torch.empty(n, dtype=dtype)
    m_t = m_t.clone()
    for step in range(1, steps + 1):
        if noise is not None:
            noise.normal_(0.0, sigma, generator=gen)
        rhs(m_t, noise, f)
        torch.add(m_t, f, alpha=dt_s, out=q)
        rhs(q, noise, f2)
        m_t.add_(f.add_(f2), alpha=h)
        _dot(m_t, m_t, norm)
        torch.minimum(norm_lo, norm.min(), out=norm_lo)
        torch.maximum(norm_hi, norm.max(), out=norm_hi)
        m_t.mul_(norm.rsqrt_())
        checkpoint = (record and step % record == 0) or step == steps
        if checkpoint:
            proj = (m_t * target).sum(dim=0).numpy()
            crossed = not_switched & (proj > threshold)
            if crossed.any():
                t_switch[crossed] = step * dt_s
                not_switched &= ~crossed
            if k < len(times) and ((record and step % record == 0) or (not record and step == steps)):
                comp[k] = proj
                if traj is not None:
                    traj[k] = m_t.numpy()
                k += 1
            if stop_when_switched and not not_switched.any():
                break
    max_err = max(math.sqrt(float(norm_hi)) - 1.0, 1.0 - math.sqrt(float(norm_lo)))
    return LLGResult(m_t.numpy().copy(), times, comp[:k], t_switch, max_err, traj)
