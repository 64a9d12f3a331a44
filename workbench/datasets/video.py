"""Synthetic video with exact ground truth: moving digits and shapes over textured backgrounds.

A known-trajectory benchmark in the spirit of moving-MNIST (Srivastava et al., "Unsupervised learning of video
representations using LSTMs", ICML 2015), extended for detection: every object is a sprite (a scikit-learn 8x8 digit
upsampled to the object's size, or a filled square / disk / triangle) alpha-blended at an integer position over a
textured background (random gratings plus smoothed noise), moving with constant velocity and bouncing off the frame
borders, so it never leaves the frame and its box is exact. Knobs control the number of objects, their size range and
speed, occluders (moving bars of another texture drawn over the objects), appearance / disappearance (``churn``:
each object disappears with that probability per frame and a missing one appears with it) and scene cuts (a new
background and a new set of objects every ``cut_every`` frames). Everything is drawn from one ``seed``.

Ground truth per frame: ``boxes`` (x1, y1, x2, y2) in pixels with x2, y2 exclusive (the tight box of the sprite's
pixels with alpha >= 0.5), ``labels`` (indices into :data:`CLASSES`), ``track_ids`` (unique over the video, a new id
after a cut or a re-appearance) and ``visible`` (fraction of the sprite's pixels not covered by later objects or
occluders).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np

DIGIT_CLASSES = tuple(str(d) for d in range(10))
SHAPE_CLASSES = ("square", "disk", "triangle")
#: Class names; a label is an index into this tuple.
CLASSES = DIGIT_CLASSES + SHAPE_CLASSES
KINDS = ("digits", "shapes", "mixed")


@dataclass(frozen=True)
class VideoConfig:
    """Settings of one synthetic video (every field is validated; a bad one raises ``ValueError`` naming it).

    Parameters
    ----------
    frames : int
        Number of frames.
    size : int
        Frame side in pixels (square grey frames).
    objects : int
        Objects present at a time (fewer for a while after a disappearance when ``churn`` > 0).
    min_size_px, max_size_px : int
        Range of the sprites' side in pixels (uniform).
    speed_px : float
        Speed of every object in pixels per frame (random direction).
    occluders : int
        Moving opaque bars (textured differently) drawn over the objects.
    churn : float
        Per frame: probability that an object disappears, and that a missing one appears.
    cut_every : int
        A scene cut (new background, new objects) every ``cut_every`` frames; 0 for none.
    kind : {"digits", "shapes", "mixed"}
        Sprites drawn: the ten digit classes, the three shapes, or both.
    texture : float
        Amplitude of the background texture (0 flat grey, 0.3 strong).
    noise : float
        Standard deviation of white noise added to every frame.
    seed : int
        Seed of everything random in the video.
    """

    frames: int = 60
    size: int = 128
    objects: int = 4
    min_size_px: int = 14
    max_size_px: int = 26
    speed_px: float = 2.0
    occluders: int = 0
    churn: float = 0.0
    cut_every: int = 0
    kind: str = "mixed"
    texture: float = 0.15
    noise: float = 0.02
    seed: int = 0

    def __post_init__(self) -> None:
        checks = (("frames", self.frames, 1), ("size", self.size, 16), ("objects", self.objects, 0),
                  ("min_size_px", self.min_size_px, 6), ("occluders", self.occluders, 0),
                  ("cut_every", self.cut_every, 0), ("seed", self.seed, 0))
        for name, value, low in checks:
            if value < low:
                raise ValueError(f"VideoConfig.{name}={value} is not allowed; allowed: >= {low}")
        if not self.min_size_px <= self.max_size_px <= self.size // 2:
            raise ValueError(f"VideoConfig.max_size_px={self.max_size_px} is not allowed; allowed: "
                             f"min_size_px ({self.min_size_px}) <= max_size_px <= size / 2 ({self.size // 2})")
        for name, value, high in (("speed_px", self.speed_px, self.size / 4), ("churn", self.churn, 1.0),
                                  ("texture", self.texture, 0.5), ("noise", self.noise, 0.5)):
            if not 0 <= value <= high:
                raise ValueError(f"VideoConfig.{name}={value} is not allowed; allowed: 0 <= {name} <= {high:g}")
        if self.kind not in KINDS:
            raise ValueError(f"VideoConfig.kind={self.kind!r} is not allowed; allowed: one of {KINDS}")


@dataclass
class Video:
    """A generated video and its ground truth.

    Parameters
    ----------
    config : VideoConfig
        How it was made.
    frames : ndarray, float32 [T, H, W]
        Grey levels in [0, 1].
    boxes, labels, track_ids, visible : list of ndarray
        Per frame: ``[n, 4]`` float boxes (x1, y1, x2, y2), ``[n]`` int labels, ``[n]`` int track ids, ``[n]``
        visible fractions.
    scene : ndarray, int [T]
        Scene index of every frame (it increases at each cut).
    """

    config: VideoConfig
    frames: np.ndarray
    boxes: list[np.ndarray] = field(default_factory=list)
    labels: list[np.ndarray] = field(default_factory=list)
    track_ids: list[np.ndarray] = field(default_factory=list)
    visible: list[np.ndarray] = field(default_factory=list)
    scene: np.ndarray = field(default_factory=lambda: np.zeros(0, int))

    def __len__(self) -> int:
        return len(self.frames)

    @property
    def cuts(self) -> list[int]:
        """Frames that start a new scene (after the first)."""
        return [int(t) for t in np.flatnonzero(np.diff(self.scene)) + 1]


@functools.cache
def _digit_images() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    data = load_digits()
    return data.images.astype(np.float32) / 16.0, data.target.astype(int)


def _resize(image: np.ndarray, size: int) -> np.ndarray:
    """Bilinear resize of a small square image to ``size`` x ``size`` (pixel centres aligned)."""
    n = image.shape[0]
    pos = (np.arange(size) + 0.5) * n / size - 0.5
    pos = np.clip(pos, 0, n - 1)
    lo = np.floor(pos).astype(int)
    hi = np.minimum(lo + 1, n - 1)
    w = pos - lo
    rows = image[lo] * (1 - w)[:, None] + image[hi] * w[:, None]
    return rows[:, lo] * (1 - w)[None, :] + rows[:, hi] * w[None, :]


def _shape_mask(kind: str, size: int) -> np.ndarray:
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) + 0.5
    if kind == "square":
        inset = max(1, size // 8)
        return ((xx > inset) & (xx < size - inset) & (yy > inset) & (yy < size - inset)).astype(np.float32)
    if kind == "disk":
        r = size / 2 - 0.5
        return (((xx - size / 2) ** 2 + (yy - size / 2) ** 2) <= r * r).astype(np.float32)
    # isosceles triangle, apex up
    return ((yy >= 1) & (np.abs(xx - size / 2) <= (yy - 1) * 0.5) & (yy <= size - 1)).astype(np.float32)


def _sprite(rng: np.random.Generator, label: int, size: int) -> np.ndarray:
    """Alpha mask in [0, 1] of an object of class ``label`` and side ``size``."""
    if label < 10:
        images, targets = _digit_images()
        choices = np.flatnonzero(targets == label)
        image = images[rng.choice(choices)]
        return np.clip(_resize(image, size) * 1.4, 0, 1)
    return _shape_mask(SHAPE_CLASSES[label - 10], size)


def _texture(rng: np.random.Generator, size: int, amplitude: float) -> np.ndarray:
    """Grey background: 0.5 plus random oriented gratings and box-blurred noise, scaled to ``amplitude``."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    base = np.zeros((size, size), np.float32)
    for _ in range(3):
        angle, period, phase = rng.uniform(0, np.pi), rng.uniform(6, 40), rng.uniform(0, 2 * np.pi)
        base += np.sin(2 * np.pi * (xx * np.cos(angle) + yy * np.sin(angle)) / period + phase)
    noise = rng.normal(0, 1, (size, size)).astype(np.float32)
    k = 5
    blurred = np.cumsum(np.cumsum(np.pad(noise, ((k, 0), (k, 0))), 0), 1)
    blurred = (blurred[k:, k:] - blurred[:-k, k:] - blurred[k:, :-k] + blurred[:-k, :-k]) / k
    base = base / 3 + blurred / 2
    base /= np.abs(base).max() + 1e-6
    return (0.5 + amplitude * base).astype(np.float32)


@dataclass
class _Object:
    track: int
    label: int
    alpha: np.ndarray
    box_in_sprite: tuple[int, int, int, int]
    intensity: float
    x: float
    y: float
    vx: float
    vy: float


@dataclass
class _Occluder:
    horizontal: bool
    width: int
    pos: float
    v: float


def _new_object(rng, cfg: VideoConfig, track: int) -> _Object:
    labels = {"digits": range(10), "shapes": range(10, 13), "mixed": range(13)}[cfg.kind]
    label = int(rng.choice(list(labels)))
    side = int(rng.integers(cfg.min_size_px, cfg.max_size_px + 1))
    alpha = _sprite(rng, label, side)
    ys, xs = np.nonzero(alpha >= 0.5)
    box = (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)
    angle = rng.uniform(0, 2 * np.pi)
    intensity = float(rng.choice([rng.uniform(0.85, 1.0), rng.uniform(0.0, 0.15)]))
    x, y = rng.uniform(0, cfg.size - side, 2)
    return _Object(track, label, alpha, box, intensity, x, y, cfg.speed_px * np.cos(angle),
                   cfg.speed_px * np.sin(angle))


def _bounce(pos: float, v: float, high: float) -> tuple[float, float]:
    pos += v
    if pos < 0:
        pos, v = -pos, -v
    if pos > high:
        pos, v = 2 * high - pos, -v
    return min(max(pos, 0.0), high), v


def make_video(config: VideoConfig | None = None, **overrides) -> Video:
    """Generate a video (deterministic in ``config.seed``); ``overrides`` replace fields of ``config``.

    >>> v = make_video(frames=3, objects=2, seed=1)
    >>> v.frames.shape, len(v.boxes[0])
    ((3, 128, 128), 2)
    """
    cfg = config if config is not None else VideoConfig()
    if overrides:
        cfg = VideoConfig(**{**cfg.__dict__, **overrides})
    rng = np.random.default_rng(cfg.seed)
    size = cfg.size
    frames = np.empty((cfg.frames, size, size), np.float32)
    video = Video(cfg, frames, scene=np.zeros(cfg.frames, int))
    next_track = 0
    objects: list[_Object] = []
    occluders: list[_Occluder] = []
    background = occluder_texture = None
    scene = -1
    for t in range(cfg.frames):
        if t == 0 or (cfg.cut_every and t % cfg.cut_every == 0):
            scene += 1
            background = _texture(rng, size, cfg.texture)
            occluder_texture = 1.0 - _texture(rng, size, cfg.texture)
            objects = []
            for _ in range(cfg.objects):
                objects.append(_new_object(rng, cfg, next_track))
                next_track += 1
            occluders = [_Occluder(bool(rng.integers(2)), int(rng.integers(5, 11)), rng.uniform(0, size - 11),
                                   rng.choice([-1, 1]) * max(cfg.speed_px, 0.5)) for _ in range(cfg.occluders)]
        else:
            for ob in objects:
                side = ob.alpha.shape[0]
                ob.x, ob.vx = _bounce(ob.x, ob.vx, size - side)
                ob.y, ob.vy = _bounce(ob.y, ob.vy, size - side)
            for oc in occluders:
                oc.pos, oc.v = _bounce(oc.pos, oc.v, size - oc.width)
            if cfg.churn > 0:
                objects = [ob for ob in objects if rng.random() >= cfg.churn]
                missing = cfg.objects - len(objects)
                for _ in range(missing):
                    if rng.random() < cfg.churn:
                        objects.append(_new_object(rng, cfg, next_track))
                        next_track += 1
        video.scene[t] = scene
        image = background.copy()
        owner = np.full((size, size), -1, int)
        for i, ob in enumerate(objects):
            side = ob.alpha.shape[0]
            x0, y0 = int(round(ob.x)), int(round(ob.y))
            a = ob.alpha
            region = image[y0:y0 + side, x0:x0 + side]
            region[:] = region * (1 - a) + a * ob.intensity
            owner[y0:y0 + side, x0:x0 + side][a >= 0.5] = i
        for oc in occluders:
            p = int(round(oc.pos))
            sl = (slice(None), slice(p, p + oc.width)) if not oc.horizontal else (slice(p, p + oc.width), slice(None))
            image[sl] = occluder_texture[sl]
            owner[sl] = -2
        if cfg.noise > 0:
            image = image + rng.normal(0, cfg.noise, image.shape).astype(np.float32)
        frames[t] = np.clip(image, 0, 1)
        boxes, labels, tracks, visible = [], [], [], []
        for i, ob in enumerate(objects):
            x0, y0 = int(round(ob.x)), int(round(ob.y))
            bx1, by1, bx2, by2 = ob.box_in_sprite
            boxes.append((x0 + bx1, y0 + by1, x0 + bx2, y0 + by2))
            labels.append(ob.label)
            tracks.append(ob.track)
            side = ob.alpha.shape[0]
            mask = ob.alpha >= 0.5
            visible.append(float((owner[y0:y0 + side, x0:x0 + side][mask] == i).sum() / mask.sum()))
        video.boxes.append(np.asarray(boxes, np.float32).reshape(-1, 4))
        video.labels.append(np.asarray(labels, int))
        video.track_ids.append(np.asarray(tracks, int))
        video.visible.append(np.asarray(visible, np.float32))
    return video
