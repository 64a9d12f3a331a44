"""Running a composed point: a pipeline of registered stages on one network and data set.

Nothing here names a theme: the pipeline is a string of stage names checked by
:func:`~workbench.core.stages.check_pipeline`, and every stage comes from the registry.

The network is a small VGG (``[w, M, 2w, M, 4w]`` 3x3 conv-BN-ReLU stages, global average pool, one linear layer;
:func:`workbench.nn.vgg`) built untrained from ``seed``; the first algorithm stage that provides ``"trained"``
trains it. Networks are cached in the process by the algorithm stages applied so far and their knob values, so
the targets (and every pipeline sharing a prefix) reuse them; each stage works on a copy, so a cached network is
never changed. Every result is still a pure function of the point.
"""

from __future__ import annotations

import copy
import functools
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import torch

from workbench.core.stages import (
    NetworkArtifact,
    Workload,
    apply_stage,
    check_pipeline,
    own_values,
    run_target,
)
from workbench.datasets import digits, make_loaders
from workbench.nn import evaluate_accuracy, vgg
from workbench.nn.facts import measure_facts

DATASETS = ("digits",)
#: Validation images on which the facts (densities) are measured.
CALIBRATION = 128
#: Networks kept in the process cache.
CACHE_SIZE = 128
_CACHE: OrderedDict = OrderedDict()


@functools.lru_cache(maxsize=4)
def workload(dataset: str = "digits", seed: int = 0) -> Workload:
    """The data a pipeline runs on: the bundled scikit-learn digits (8x8), split by ``seed``.

    Raises
    ------
    ValueError
        For a data set other than :data:`DATASETS`.
    """
    if dataset not in DATASETS:
        raise ValueError(f"dataset={dataset!r} is not allowed; allowed: one of {DATASETS}")
    splits = digits(seed=seed)
    loaders = make_loaders(splits, batch_size=64)
    calibration = splits.val.tensors[0][:CALIBRATION]
    return Workload(loaders=loaders, input_shape=tuple(splits.input_shape), num_classes=splits.num_classes,
                    calibration=calibration,
                    accuracy=lambda module: 100 * evaluate_accuracy(module, loaders.test, "cpu"),
                    measure=lambda module: measure_facts(module, calibration), seed=seed)


def initial(work: Workload, width: int, seed: int) -> NetworkArtifact:
    """The untrained network (seeded) with its measured facts."""
    torch.manual_seed(seed)
    channels, size = work.input_shape[0], work.input_shape[-1]
    module = vgg([width, "M", 2 * width, "M", 4 * width], work.num_classes, channels, size).eval()
    return NetworkArtifact(module=module, input_shape=work.input_shape, facts=work.measure(module))


def _cached(key: tuple, build) -> NetworkArtifact:
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    artifact = build()
    _CACHE[key] = artifact
    while len(_CACHE) > CACHE_SIZE:
        _CACHE.popitem(last=False)
    return artifact


def network(pipeline: str, params: Mapping[str, Any], *, dataset: str = "digits", width: int = 8,
            seed: int = 0) -> NetworkArtifact:
    """The network after the algorithm stages of ``pipeline`` with the stage knobs in ``params`` (by their composed
    names, :func:`~workbench.core.stages.composed_knobs`; cached)."""
    stages = check_pipeline(pipeline)
    work = workload(dataset, seed)
    key: tuple = (dataset, width, seed)
    artifact = _cached(key, lambda: initial(work, width, seed))
    for stage in stages[:-1]:
        values = stage.validate(own_values(stage, params))
        key = key + ((stage.name, tuple(sorted(values.items()))),)
        previous = artifact

        def build(stage=stage, previous=previous, values=values):
            with torch.random.fork_rng():
                torch.manual_seed(seed)
                return apply_stage(stage, replace(previous, module=copy.deepcopy(previous.module)), work, values)

        artifact = _cached(key, build)
    return artifact


def run_pipeline(pipeline: str, params: Mapping[str, Any], *, dataset: str = "digits", width: int = 8,
                 seed: int = 0) -> dict:
    """Run ``pipeline`` (``"algorithm>...>target"``) with the stage knobs in ``params`` (by their composed names) and
    return the target's results plus the network's facts.

    Returns
    -------
    dict
        The target's keys (``accuracy``, ``energy_per_inference_nj``, ``latency_per_inference_us``, ``area_mm2`` and
        its extras) plus
        ``accuracy_float`` (the network as torch computes it), ``accuracy_drop`` (network minus hardware
        accuracy, percentage points), ``macs_k``, ``params_k``, ``weight_density`` and ``activation_density``
        (MAC-weighted means over the layers, measured), ``stages`` (per stage: name, accuracy, MACs) and
        ``layer_facts`` (per layer).

    Raises
    ------
    ValueError
        For an unknown stage, a stage of the wrong kind or an incompatible pipeline (one message).
    """
    stages = check_pipeline(pipeline)
    artifact = network(pipeline, params, dataset=dataset, width=width, seed=seed)
    work = workload(dataset, seed)
    result = run_target(stages[-1], artifact, work, own_values(stages[-1], params))
    accuracy_float = artifact.history[-1].accuracy if artifact.history else work.accuracy(artifact.module)
    stage_rows = [{"stage": r.stage, "accuracy": r.accuracy, "macs": r.macs, **r.extras} for r in artifact.history]
    stage_rows.append({"stage": stages[-1].name, "accuracy": result["accuracy"], "macs": artifact.macs})
    return {
        **result,
        "accuracy_float": accuracy_float,
        "accuracy_drop": accuracy_float - result["accuracy"],
        "macs_k": artifact.macs / 1e3,
        "params_k": artifact.params / 1e3,
        "weight_density": artifact.mean("weight_density"),
        "activation_density": artifact.mean("input_density"),
        "stages": stage_rows,
        "layer_facts": [{**f.__dict__, "precision": f.precision} for f in artifact.facts],
        **{k: v for k, v in artifact.attrs.items() if isinstance(v, (int, float))},
    }
