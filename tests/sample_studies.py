"""Small analytic studies used by the core, UI and browser tests (importable by worker processes and kernels)."""

import math
import os

from workbench.core import Bool, Choice, Float, Int, Metric, Study, View, register_study, register_view


def lens_tradeoff(aperture_mm: float, focal_mm: float, coating: str, stabilised: bool, seed: int) -> dict:
    """A toy optics tradeoff with a closed form: brightness grows with aperture, weight with aperture and focal."""
    brightness = (aperture_mm / focal_mm) ** 2 * (1.1 if coating == "multi" else 1.0)
    weight_g = 40.0 * aperture_mm**1.5 / 10 + 2.0 * focal_mm + (80.0 if stabilised else 0.0) + 0.001 * seed
    return {"brightness": brightness, "weight_g": weight_g, "f_number": focal_mm / aperture_mm}


def _lens_constraints(params: dict) -> None:
    if params["aperture_mm"] > params["focal_mm"]:
        raise ValueError(
            f"knobs 'aperture_mm' ({params['aperture_mm']}) and 'focal_mm' ({params['focal_mm']}): "
            "the aperture must not exceed the focal length"
        )


LENS = register_study(
    Study(
        name="sample.lens",
        theme="sample",
        func=lens_tradeoff,
        knobs=(
            Float("aperture_mm", 10.0, low=1.0, high=60.0, unit="mm", help="entrance pupil diameter"),
            Float("focal_mm", 50.0, low=5.0, high=200.0, unit="mm", log=True, help="focal length"),
            Choice("coating", "single", options=("single", "multi"), help="anti-reflection coating"),
            Bool("stabilised", False, help="optical image stabilisation"),
            Int("seed", 0, low=0, high=1000, help="unused randomness seed (kept for the store key)"),
        ),
        metrics=(
            Metric("brightness", "", "max", "relative image brightness"),
            Metric("weight_g", "g", "min", "lens weight"),
            Metric("f_number", "", None, "focal ratio"),
        ),
        constraints=_lens_constraints,
        description="A toy analytic study with a joint constraint (aperture <= focal length).",
    ),
    replace=True,
)


GATE_ENV = "SAMPLE_SLOW_GATE"
"""``"N:PATH"`` in the environment holds every ``sample.slow`` point with ``x > N`` until file ``PATH`` exists, so a
test can stop a sweep at a known point (a barrier, not a race against the clock)."""


def slow_square(x: float, delay_s: float) -> dict:
    """``x**2`` after sleeping ``delay_s``: a stand-in for a batch study (sweep resume and executor tests)."""
    import time

    time.sleep(delay_s)
    limit, _, gate = os.environ.get(GATE_ENV, "").partition(":")
    while gate and x > float(limit) and not os.path.exists(gate):
        time.sleep(0.02)
    return {"square": x * x, "root": math.sqrt(x)}


SLOW = register_study(
    Study(
        name="sample.slow",
        theme="sample",
        func=slow_square,
        knobs=(Float("x", 1.0, low=0.0, high=100.0), Float("delay_s", 0.0, low=0.0, high=5.0, unit="s")),
        metrics=(Metric("square", better="min"), Metric("root", better="max")),
        cost="batch",
        description="A slow toy study for sweep tests.",
    ),
    replace=True,
)


def timed_square(x: float) -> dict:
    """``x**2`` and how long computing it took (a measurement: another run gives another time)."""
    import time

    started = time.perf_counter()
    square = x * x
    return {"square": square, "wall_s": time.perf_counter() - started}


TIMED = register_study(
    Study(
        name="sample.timed",
        theme="sample",
        func=timed_square,
        knobs=(Float("x", 1.0, low=0.0, high=100.0),),
        metrics=(Metric("square", better="min"), Metric("wall_s", "s", "min", measured=True, label="wall time")),
        cost="batch",
        description="A toy study with a measured metric, for the store of runs.",
    ),
    replace=True,
)


def lens_weight_curve(focal_mm: float, frames) -> tuple:
    """A toy view over stored results: the stored lenses' weight against aperture, plus the model curve at
    ``focal_mm`` (fails for focal_mm > 150, to test error reporting)."""
    import altair as alt
    import pandas as pd

    if focal_mm > 150:
        raise ValueError(f"knob 'focal_mm' ({focal_mm}) above 150 mm has no curve in this toy view")
    curve = pd.DataFrame([{"aperture_mm": a, "weight_g": lens_tradeoff(a, focal_mm, "single", False, 0)["weight_g"],
                           "source": "model"} for a in (2.0, 5.0, 10.0)])
    stored = frames["sample.lens"][["aperture_mm", "weight_g"]].assign(source="stored")
    data = pd.concat([curve, stored], ignore_index=True)
    chart = alt.Chart(data).mark_point().encode(x="aperture_mm:Q", y="weight_g:Q", color="source:N")
    return chart, data


LENS_CURVE = register_view(
    View(
        name="sample.lens_curve",
        theme="sample",
        func=lens_weight_curve,
        title="Lens weight against aperture",
        knobs=(Float("focal_mm", 50.0, low=5.0, high=200.0, unit="mm"),),
        studies=("sample.lens",),
        description="A toy view over stored results.",
    ),
    replace=True,
)
