"""The trained network the DyVEDeep theme works on: a small VGG on the bundled 16x16 digits, trained once per seed.

Training takes a few seconds on one CPU thread; the weights are cached under ``data/results/dyvedeep/`` (keyed by
seed and configuration, never downloaded) and in memory, so studies and views reuse one network per seed.

Splits: 50 % train, 25 % validation (threshold tuning), 25 % test (450 images, evaluated once per tuned setting), so
one test image is 0.22 percentage points of accuracy.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from workbench.core.caches import load_cached
from workbench.core.integrity import check_finite, write_with_sidecar
from workbench.core.paths import data_dir
from workbench.dyvedeep.engine import DynamicNet

#: conv widths and pools of the network (3 conv layers: 16 x 16, 8 x 8 and 4 x 4 maps)
CFG = (16, "M", 32, "M", 64)
IMAGE_SIZE = 16
EPOCHS = 20
LR = 0.05
VAL_FRACTION = 0.25
TEST_FRACTION = 0.25
CALIBRATION_IMAGES = 256


@dataclass(frozen=True)
class TrainedNet:
    """A trained model, its prepared dynamic-effort form and the data splits as numpy arrays."""

    seed: int
    model: torch.nn.Module
    net: DynamicNet
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    _static: dict[int, np.ndarray] = field(default_factory=dict, compare=False, repr=False)

    def test_subset(self, images: int) -> tuple[np.ndarray, np.ndarray]:
        """The first ``images`` test images (all when ``images`` >= the split size)."""
        return self.x_test[:images], self.y_test[:images]

    def static_predictions(self, images: int) -> np.ndarray:
        """The static network's predicted classes of the first ``images`` test images (read-only; computed once per
        image count: every point of a dyvedeep.ops curve compares with them)."""
        if images not in self._static:
            predictions = self.net.static_forward(self.test_subset(images)[0]).argmax(1)
            predictions.flags.writeable = False
            self._static[images] = predictions
        return self._static[images]


def _key(seed: int) -> str:
    spec = json.dumps({"cfg": CFG, "init": "seeded", "size": IMAGE_SIZE, "epochs": EPOCHS, "lr": LR,
                       "val": VAL_FRACTION, "test": TEST_FRACTION, "seed": seed,
                       "torch": torch.__version__.split("+")[0]})
    return hashlib.sha256(spec.encode()).hexdigest()[:12]


def build_model() -> torch.nn.Module:
    from workbench.nn import vgg

    return vgg(list(CFG), num_classes=10, in_channels=1, input_size=IMAGE_SIZE)


def _load_state(path: Path, shapes: dict[str, tuple]) -> dict:
    """The state dict stored at ``path``; ``KeyError`` unless it holds exactly the tensors of ``shapes``,
    :class:`~workbench.core.integrity.DamagedFile` for a non-finite weight."""
    state = torch.load(path, map_location="cpu", weights_only=True)  # tensors and plain values only: no code runs
    found = {name: tuple(t.shape) for name, t in state.items()} if isinstance(state, dict) else {}
    if found != shapes:
        differ = sorted(n for n in set(found) | set(shapes) if found.get(n) != shapes.get(n))
        raise KeyError(f"its tensors are not those of the network: {differ[:3]} differ")
    check_finite(state)
    return state


@functools.cache
def trained_network(seed: int = 0) -> TrainedNet:
    """The digits VGG for ``seed`` (trained on first use, then loaded from ``data/results/dyvedeep/``)."""
    from workbench.datasets import digits, make_loaders
    from workbench.nn import fit, torch_threads

    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed={seed!r} is not allowed; allowed: an integer >= 0")
    splits = digits(size=IMAGE_SIZE, seed=seed, val_fraction=VAL_FRACTION, test_fraction=TEST_FRACTION)
    with torch.random.fork_rng():  # the initial weights come from the seed, not from whatever ran before
        torch.manual_seed(seed)
        model = build_model()
    path = data_dir() / "results" / "dyvedeep" / f"digits_vgg_seed{seed}_{_key(seed)}.pt"
    shapes = {name: tuple(t.shape) for name, t in model.state_dict().items()}
    state = load_cached(path, functools.partial(_load_state, shapes=shapes),
                        instead=f"training the seed-{seed} network again")
    if state is not None:
        model.load_state_dict(state)
    else:
        loaders = make_loaders(splits, batch_size=64)
        with torch_threads(1):
            fit(model, loaders.train, loaders.val, epochs=EPOCHS, lr=LR, seed=seed, device="cpu",
                description=f"dyvedeep: training the digits VGG (seed {seed})")
        buffer = io.BytesIO()
        torch.save(model.state_dict(), buffer)
        write_with_sidecar(path, buffer.getvalue(), {"seed": seed})
    model.eval()
    x_train = splits.train.tensors[0].numpy()
    net = DynamicNet(model, splits.input_shape, calibration_images=x_train[:CALIBRATION_IMAGES])
    return TrainedNet(seed, model, net, splits.val.tensors[0].numpy(), splits.val.tensors[1].numpy(),
                      splits.test.tensors[0].numpy(), splits.test.tensors[1].numpy())
