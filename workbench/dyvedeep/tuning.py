"""Per-layer threshold tuning on the validation split under an accuracy-loss budget, then one test evaluation.

Greedy coordinate descent [R] (the paper tunes per-layer thresholds on training data; its search is not
described in the abstract), first over global moves (one value for every layer), then per layer from there. At each
step try, for every scope (all layers, or one layer) and every mechanism, the next more aggressive value on that
mechanism's ladder (:data:`LADDERS`). Among the candidates whose validation accuracy stays within ``budget`` of the
static network's and that need fewer scalar operations (checks included) than now, take the one that saves the most
operations per unit of added validation cross-entropy (a smooth sensitivity: accuracy on 450 images moves in steps
of 0.22 points). A (scope, mechanism) whose next value breaks the budget is frozen; one whose next value keeps the
budget but saves less than its checks cost moves on to the value after it. Stop when no candidate is left. Every
evaluated setting is kept, so the validation ops-vs-accuracy Pareto front comes for free; the tuned setting is then
evaluated once on the test split.

Changing layer l leaves layers before it untouched, so candidates for layer l rerun the network from l on cached
inputs (:meth:`workbench.dyvedeep.engine.DynamicNet.run` with ``start``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from workbench.core.pareto import pareto_mask
from workbench.dyvedeep.effort import Effort
from workbench.dyvedeep.network import TrainedNet

#: mechanism -> (field tuned, more aggressive values in order, fields set alongside when it is switched on)
LADDERS: dict[str, tuple[str, tuple[float, ...], dict]] = {
    "spet": ("spet_threshold", (2.0, 1.0, 0.5, 0.25, 0.1, 0.0), {"spet_fraction": 0.25}),
    "sig": ("sig_threshold", (0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0), {}),
    "sim": ("sim_threshold", (0.05, 0.1, 0.2, 0.3, 0.5, 0.75), {}),
    "var": ("var_threshold", (0.05, 0.1, 0.2, 0.5, 1.0, 2.0), {}),
}
MECHANISMS = tuple(LADDERS)


@dataclass
class TuningResult:
    """What :func:`tune` returns."""

    effort: Effort
    budget: float
    val_static_accuracy: float
    val_accuracy: float
    val_ops_reduction: float
    test_static_accuracy: float
    test_accuracy: float
    test_static_ops: float
    test_dynamic_ops: float
    trials: pd.DataFrame = field(repr=False)
    layers: list[dict] = field(default_factory=list, repr=False)

    @property
    def test_accuracy_loss(self) -> float:
        """Static minus dynamic test accuracy (fraction; 0.005 = 0.5 percentage points)."""
        return self.test_static_accuracy - self.test_accuracy

    @property
    def test_ops_reduction(self) -> float:
        return self.test_static_ops / self.test_dynamic_ops

    def pareto(self) -> pd.DataFrame:
        """The validation trials that no other trial beats on both fewer ops and higher accuracy."""
        mask = pareto_mask(self.trials, {"val_ops": "min", "val_accuracy": "max"})
        return self.trials[mask].sort_values("val_ops").reset_index(drop=True)


def tune(trained: TrainedNet, *, budget: float = 0.005, mechanisms: tuple[str, ...] = MECHANISMS,
         val_images: int | None = None, max_steps: int = 40, progress=None) -> TuningResult:
    """Tune per-layer thresholds of ``trained.net`` on its validation split (module docstring).

    Parameters
    ----------
    budget : float
        Allowed validation accuracy loss against the static network (fraction, 0.005 = 0.5 points).
    mechanisms : tuple of str
        Which of :data:`MECHANISMS` may be switched on.
    val_images : int, optional
        Use only the first ``val_images`` validation images (quick runs); the test evaluation always uses all.
    max_steps : int
        Upper bound on steps per phase.
    progress : callable, optional
        ``progress(step, effort, val_accuracy, val_ops)`` after every accepted move.
    """
    if not 0 <= budget < 1:
        raise ValueError(f"budget={budget} is not allowed; allowed: 0 <= budget < 1")
    unknown = [m for m in mechanisms if m not in LADDERS]
    if unknown:
        raise ValueError(f"mechanisms {unknown} are not allowed; allowed: {list(LADDERS)}")
    net = trained.net
    x, y = trained.x_val, trained.y_val
    if val_images is not None:
        x, y = x[:val_images], y[:val_images]
    base = net.run(x, keep_inputs=True)
    base_acc = base.accuracy(y)
    state = _State(Effort(), base, _loss(base, y), [_trial(0, "exact", Effort(), base, base_acc, True)])
    # phase 1: global moves (every layer at once), then phase 2: per-layer moves from where phase 1 stopped
    global_position = _descend(net, x, y, base_acc, budget, mechanisms, ["*"], {}, state, max_steps, progress)
    start = {(layer, m): global_position[("*", m)] for layer in net.layer_names for m in mechanisms}
    _descend(net, x, y, base_acc, budget, mechanisms, net.layer_names, start, state, max_steps, progress)
    effort, current, trials = state.effort, state.current, state.trials
    val_acc = current.accuracy(y)
    test_static = net.run(trained.x_test)
    test = net.run(trained.x_test, effort)
    return TuningResult(
        effort=effort, budget=budget, val_static_accuracy=base_acc, val_accuracy=val_acc,
        val_ops_reduction=current.ops_reduction, test_static_accuracy=test_static.accuracy(trained.y_test),
        test_accuracy=test.accuracy(trained.y_test), test_static_ops=test.static_ops,
        test_dynamic_ops=test.dynamic_ops, trials=pd.DataFrame(trials), layers=test.table())


@dataclass
class _State:
    effort: Effort
    current: object
    loss: float
    trials: list


def _descend(net, x, y, base_acc, budget, mechanisms, scopes, start, state: _State, max_steps, progress) -> dict:
    """Greedy moves over ``scopes`` ("*" = all layers at once, else layer names); returns the ladder positions."""
    position = {(scope, m): start.get((scope, m), -1) for scope in scopes for m in mechanisms}
    frozen: set = set()
    skipped: list = []
    names = net.layer_names
    for _ in range(max_steps):
        best = None
        step = len(state.trials)
        for scope in scopes:
            index = 0 if scope == "*" else names.index(scope)
            for mechanism in mechanisms:
                key = (scope, mechanism)
                name, ladder, alongside = LADDERS[mechanism]
                if key in frozen or position[key] + 1 >= len(ladder):
                    continue
                value = ladder[position[key] + 1]
                if scope == "*":
                    candidate = replace(state.effort, **{name: value, **alongside})
                else:
                    candidate = state.effort.with_layer(scope, **{name: value, **alongside})
                first = names[index]
                result = net.run(state.current.inputs[first], candidate, start=index,
                                 before=state.current.layers[:index], keep_inputs=True)
                result.inputs.update({k: v for k, v in state.current.inputs.items() if k not in result.inputs})
                acc = result.accuracy(y)
                ok = acc >= base_acc - budget - 1e-12
                state.trials.append(_trial(step, f"{scope}:{name}={value:g}", candidate, result, acc, ok))
                if not ok:
                    frozen.add(key)
                elif result.dynamic_ops >= state.current.dynamic_ops:
                    skipped.append(key)  # within budget but its checks cost more than it saves: try the next rung
                else:
                    score = (state.current.dynamic_ops - result.dynamic_ops) / max(_loss(result, y) - state.loss, 1e-6)
                    if best is None or score > best[3]:
                        best = (key, candidate, result, score)
        if best is None and not skipped:
            break
        for key in skipped:
            position[key] += 1
        skipped.clear()
        if best is None:
            continue
        key, state.effort, state.current, _ = best
        state.loss = _loss(state.current, y)
        position[key] += 1
        if progress is not None:
            progress(step, state.effort, state.current.accuracy(y), state.current.dynamic_ops)
    return position


def _loss(result, labels: np.ndarray) -> float:
    """Mean cross-entropy of the run's logits: a smooth measure of how much a move hurts."""
    z = result.logits - result.logits.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return float(-logp[np.arange(len(labels)), labels].mean())


def _trial(step: int, move: str, effort: Effort, result, acc: float, ok: bool) -> dict:
    return {"step": step, "move": move, "val_accuracy": acc, "val_ops": result.dynamic_ops,
            "val_static_ops": result.static_ops, "ops_reduction": result.ops_reduction, "within_budget": ok,
            "effort": effort}


def evaluate(trained: TrainedNet, effort: Effort, split: str = "test") -> dict:
    """Accuracy and ops of one setting on ``split`` ("val" or "test") against the static network, with each image's
    correctness under both (``static_correct``, ``correct``: the paired samples of the accuracy loss)."""
    if split not in ("val", "test"):
        raise ValueError(f"split={split!r} is not allowed; allowed: 'val' or 'test'")
    x, y = (trained.x_val, trained.y_val) if split == "val" else (trained.x_test, trained.y_test)
    result = trained.net.run(x, effort)
    static_correct = trained.net.static_forward(x).argmax(1) == y
    static = float(static_correct.mean())
    acc = result.accuracy(y)
    return {"accuracy": acc, "static_accuracy": static, "accuracy_loss": static - acc,
            "static_ops": result.static_ops, "dynamic_ops": result.dynamic_ops,
            "ops_reduction": result.ops_reduction, "layers": result.table(), "images": int(len(y)),
            "labels": np.asarray(y), "static_correct": static_correct, "correct": result.logits.argmax(1) == y}


#: The independently trained networks (one per training seed, each with its own data split) whose tuned settings
#: are stored, one preset each: D1's intervals run over them (issue 23: training and tuning, not only the test set).
SEEDS = tuple(range(5))


def preset_name(seed: int) -> str:
    """``tuned_seed<seed>``: the preset holding the setting tuned for ``trained_network(seed)``."""
    return f"tuned_seed{seed}"


def preset_tree(result: TuningResult, *, seed: int, command: str) -> dict:
    """A preset (``data/presets/dyvedeep/<name>.yaml``) holding a tuned setting, every value with its source."""
    source = (f"tuned on the validation split by workbench.dyvedeep.tuning.tune(seed={seed}, budget={result.budget})"
              f" via `{command}`; validation accuracy {result.val_accuracy:.4f} vs static "
              f"{result.val_static_accuracy:.4f}")
    effort = result.effort.as_dict()
    layers = effort.pop("layers")
    return {
        "seed": {"value": seed, "source": "the network of workbench.dyvedeep.network.trained_network(seed)"},
        "budget": {"value": result.budget, "source": "the accuracy-loss budget the tuning met on validation"},
        "global": {k: {"value": v, "source": source} for k, v in effort.items()},
        "layers": {name: {k: {"value": v, "source": source} for k, v in fields_.items()}
                   for name, fields_ in layers.items()},
    }


def effort_from_preset(tree: dict) -> Effort:
    """The :class:`Effort` stored in a preset tree (see :func:`preset_tree`); ``ValueError`` naming a bad entry."""
    try:
        values = {k: v["value"] for k, v in tree.get("global", {}).items()}
        layers = {name: {k: v["value"] for k, v in entries.items()} for name, entries in tree.get("layers", {}).items()}
    except (TypeError, KeyError) as error:
        raise ValueError(f"dyvedeep preset: every entry must be {{value, source}}, got an error at {error}") from None
    return Effort(**values, layers=layers)


def regenerate() -> list[Path]:  # pragma: no cover - tunes afresh (minutes per network) and rewrites the presets
    """Tune every network of :data:`SEEDS` afresh on its validation split and write its stored preset
    ``data/presets/dyvedeep/tuned_seed<k>.yaml`` and the preset's sidecar ``tuned_seed<k>.json`` (its SHA-256).

    Returns
    -------
    list of Path
        The presets written and their sidecars.
    """
    import yaml

    from workbench.core.integrity import sidecar_of, write_with_sidecar
    from workbench.core.paths import presets_dir
    from workbench.dyvedeep.network import trained_network

    command = "workbench regenerate dyvedeep"
    written = []
    for seed in SEEDS:
        result = tune(trained_network(seed), progress=lambda step, effort, acc, ops, seed=seed: print(
            f"seed {seed} step {step}: val accuracy {acc:.4f}, {ops:,.0f} ops/image", flush=True))
        print(f"seed {seed} validation: {result.val_accuracy:.4f} vs static {result.val_static_accuracy:.4f}, "
              f"{result.val_ops_reduction:.2f}x fewer ops; test (once): loss {100 * result.test_accuracy_loss:.2f} "
              f"pp, {result.test_ops_reduction:.2f}x")
        header = ("# DyVEDeep thresholds tuned per layer on the validation split (0.5 % accuracy budget).\n"
                  f"# Regenerate with `{command}`; do not edit by hand.\n")
        tree = preset_tree(result, seed=seed, command=command)
        path = write_with_sidecar(presets_dir() / "dyvedeep" / f"{preset_name(seed)}.yaml",
                                  (header + yaml.safe_dump(tree, sort_keys=False)).encode(), {"command": command})
        written += [path, sidecar_of(path)]
        print(f"wrote {path}")
    return written
