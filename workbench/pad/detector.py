"""A single-shot detector small enough to train here on CPU in minutes: SSD-style heads on a small backbone.

Design (after Liu et al., "SSD: Single Shot MultiBox Detector", ECCV 2016): a 6-layer conv/BN/ReLU backbone on a grey
input (a 4x4 stride-4 patch stem, then 3x3 convolutions; ~85 MFLOP at 128 px), two feature maps at strides 8 and
16, and on each a 3x3 head predicting, for each of 4 default boxes per location (two sizes x aspect w/h 1.0 and 0.6),
4 box offsets and ``num_classes + 1`` scores. Training uses the SSD
recipe: a default box is positive when its IoU with a ground-truth box is >= 0.5 (and each ground truth takes its
best box), offsets encoded with variances (0.1, 0.2), smooth-L1 box loss on positives and cross-entropy with 3:1 hard
negative mining, normalised by the number of positives. Inference: softmax, per-class score threshold, per-class NMS
(IoU 0.45), at most 50 boxes per image.

The detector is fully convolutional and takes any input side that is a multiple of 16 from 32 px (the stride-16
map must exist and default boxes must tile the image exactly); other sizes raise ``ValueError`` naming the size.

Weights are never downloaded: :func:`load_detector` returns the cached weights for a :class:`DetectorConfig` from
``data/results/pad/`` and trains them when absent; ``workbench regenerate pad`` (:func:`regenerate`) retrains and
caches them.
Training data: frames of synthetic videos (:mod:`workbench.datasets.video`, seeds disjoint from the evaluation
videos) at full size, and, with probability ``canvas_fraction`` per batch, packed canvases of 64-112 px built by the
same packing code PaD uses at inference from randomly expanded ground-truth ROIs (so the detector has seen the
filler and crop borders it meets on a canvas; documented choice [R]: the paper's training details are not known).
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from workbench.core.caches import load_cached
from workbench.core.integrity import check_finite, write_with_sidecar
from workbench.core.paths import data_dir
from workbench.core.progress import track
from workbench.datasets.video import CLASSES, VideoConfig, make_video
from workbench.pad.packing import plan_canvas, render_canvas

STRIDES = (8, 16)
SIZES = ((12.0, 18.0), (26.0, 38.0))
ASPECTS = (1.0, 0.6)
VARIANCES = (0.1, 0.2)
MIN_INPUT_PX = 32
NMS_IOU = 0.45
MAX_DETECTIONS = 50


def check_input_px(input_px: int, name: str = "input_px") -> None:
    """``ValueError`` naming ``name`` unless the detector can take a square input of that side."""
    if input_px < MIN_INPUT_PX or input_px % STRIDES[-1]:
        raise ValueError(f"{name}={input_px} is an input size the detector cannot take; allowed: a multiple of "
                         f"{STRIDES[-1]} (its coarsest feature stride) from {MIN_INPUT_PX} px")


def _conv_bn(cin: int, cout: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class TinySSD(nn.Module):
    """Grey image ``[B, 1, S, S]`` in [0, 1] -> (box offsets ``[B, N, 4]``, class logits ``[B, N, C + 1]``)."""

    def __init__(self, num_classes: int = len(CLASSES), width: int = 16) -> None:
        super().__init__()
        w = width
        self.num_classes = num_classes
        stem = nn.Sequential(nn.Conv2d(1, w, 4, 4, bias=False), nn.BatchNorm2d(w), nn.ReLU(inplace=True))
        self.stage8 = nn.Sequential(stem, _conv_bn(w, 2 * w), _conv_bn(2 * w, 4 * w, 2), _conv_bn(4 * w, 4 * w))
        self.stage16 = nn.Sequential(_conv_bn(4 * w, 6 * w, 2), _conv_bn(6 * w, 6 * w))
        a = len(SIZES[0]) * len(ASPECTS)
        self.loc = nn.ModuleList([nn.Conv2d(4 * w, a * 4, 3, padding=1), nn.Conv2d(6 * w, a * 4, 3, padding=1)])
        self.conf = nn.ModuleList([nn.Conv2d(4 * w, a * (num_classes + 1), 3, padding=1),
                                   nn.Conv2d(6 * w, a * (num_classes + 1), 3, padding=1)])

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        check_input_px(x.shape[-1])
        x = (x - 0.5) / 0.25
        f8 = self.stage8(x)
        f16 = self.stage16(f8)
        locs, confs = [], []
        for f, loc, conf in zip((f8, f16), self.loc, self.conf):
            b = f.shape[0]
            locs.append(loc(f).permute(0, 2, 3, 1).reshape(b, -1, 4))
            confs.append(conf(f).permute(0, 2, 3, 1).reshape(b, -1, self.num_classes + 1))
        return torch.cat(locs, 1), torch.cat(confs, 1)


@functools.lru_cache(maxsize=32)
def default_boxes(input_px: int) -> torch.Tensor:
    """Default boxes ``[N, 4]`` (cx, cy, w, h) in pixels, in the order of the heads' outputs."""
    check_input_px(input_px)
    out = []
    for stride, sizes in zip(STRIDES, SIZES):
        n = input_px // stride
        c = (torch.arange(n, dtype=torch.float32) + 0.5) * stride
        cy, cx = torch.meshgrid(c, c, indexing="ij")
        per = [(s * math.sqrt(a), s / math.sqrt(a)) for s in sizes for a in ASPECTS]
        wh = torch.tensor(per, dtype=torch.float32)
        grid = torch.stack([cx, cy], -1).reshape(-1, 1, 2).expand(-1, len(per), 2)
        out.append(torch.cat([grid, wh.expand(grid.shape[0], -1, -1)], -1).reshape(-1, 4))
    return torch.cat(out)


def _xyxy(b: torch.Tensor) -> torch.Tensor:
    return torch.cat([b[..., :2] - b[..., 2:] / 2, b[..., :2] + b[..., 2:] / 2], -1)


def box_iou(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """IoU matrix of xyxy boxes ``a [n, 4]`` and ``b [m, 4]``."""
    lt = torch.maximum(a[:, None, :2], b[None, :, :2])
    rb = torch.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = (rb - lt).clamp(min=0).prod(-1)
    area_a = (a[:, 2:] - a[:, :2]).prod(-1)
    area_b = (b[:, 2:] - b[:, :2]).prod(-1)
    return inter / (area_a[:, None] + area_b[None, :] - inter).clamp(min=1e-9)


def encode(gt: torch.Tensor, anchors: torch.Tensor) -> torch.Tensor:
    """xyxy ground truth -> SSD offsets relative to (cx, cy, w, h) anchors."""
    wh = (gt[:, 2:] - gt[:, :2]).clamp(min=1e-3)
    c = (gt[:, :2] + gt[:, 2:]) / 2
    return torch.cat([(c - anchors[:, :2]) / (anchors[:, 2:] * VARIANCES[0]),
                      torch.log(wh / anchors[:, 2:]) / VARIANCES[1]], 1)


def decode(offsets: torch.Tensor, anchors: torch.Tensor) -> torch.Tensor:
    """SSD offsets -> xyxy boxes."""
    c = anchors[:, :2] + offsets[..., :2] * VARIANCES[0] * anchors[:, 2:]
    wh = anchors[:, 2:] * torch.exp(offsets[..., 2:].clamp(max=4.0) * VARIANCES[1])
    return _xyxy(torch.cat([c, wh], -1))


def match(gt_boxes: torch.Tensor, gt_labels: torch.Tensor, anchors: torch.Tensor,
          iou_threshold: float = 0.5) -> tuple[torch.Tensor, torch.Tensor]:
    """SSD matching: target offsets ``[N, 4]`` and class targets ``[N]`` (0 = background)."""
    n = anchors.shape[0]
    if len(gt_boxes) == 0:
        return torch.zeros(n, 4), torch.zeros(n, dtype=torch.long)
    iou = box_iou(gt_boxes, _xyxy(anchors))
    best_iou, best_gt = iou.max(0)
    best_anchor = iou.argmax(1)
    best_gt[best_anchor] = torch.arange(len(gt_boxes))
    best_iou[best_anchor] = 1.0
    labels = gt_labels[best_gt] + 1
    labels[best_iou < iou_threshold] = 0
    return encode(gt_boxes[best_gt], anchors), labels


def multibox_loss(loc: torch.Tensor, conf: torch.Tensor, t_loc: torch.Tensor, t_cls: torch.Tensor) -> torch.Tensor:
    """Smooth-L1 on positives + cross-entropy with 3:1 hard negative mining, over the number of positives."""
    pos = t_cls > 0
    n_pos = pos.sum().clamp(min=1)
    loss_loc = F.smooth_l1_loss(loc[pos], t_loc[pos], reduction="sum")
    ce = F.cross_entropy(conf.reshape(-1, conf.shape[-1]), t_cls.reshape(-1), reduction="none").reshape(t_cls.shape)
    mined = ce.detach().clone()
    mined[pos] = 0
    rank = mined.argsort(1, descending=True).argsort(1)
    neg = rank < (3 * pos.sum(1, keepdim=True)).clamp(min=1)
    loss_cls = ce[pos | neg].sum()
    return (loss_loc + loss_cls) / n_pos


def nms(boxes: np.ndarray, scores: np.ndarray, iou_threshold: float = NMS_IOU) -> np.ndarray:
    """Greedy non-maximum suppression; indices kept, by descending score."""
    order = np.argsort(-scores, kind="stable")
    keep = []
    area = np.prod(np.clip(boxes[:, 2:] - boxes[:, :2], 0, None), 1)
    while order.size:
        i = order[0]
        keep.append(i)
        rest = order[1:]
        lt = np.maximum(boxes[i, :2], boxes[rest, :2])
        rb = np.minimum(boxes[i, 2:], boxes[rest, 2:])
        inter = np.prod(np.clip(rb - lt, 0, None), 1)
        iou = inter / np.maximum(area[i] + area[rest] - inter, 1e-9)
        order = rest[iou <= iou_threshold]
    return np.asarray(keep, int)


def batched_nms(boxes: np.ndarray, scores: np.ndarray, labels: np.ndarray,
                iou_threshold: float = NMS_IOU) -> np.ndarray:
    """Per-class NMS (boxes of different classes never suppress each other); kept indices by descending score."""
    if len(boxes) == 0:
        return np.zeros(0, int)
    shift = (labels.astype(np.float32) * (boxes.max() + 1.0))[:, None]
    keep = nms(boxes + shift, scores, iou_threshold)
    return keep


@dataclass
class Detections:
    """Boxes ``[n, 4]`` (x1, y1, x2, y2 pixels), ``scores [n]`` and ``labels [n]`` (indices into CLASSES)."""

    boxes: np.ndarray
    scores: np.ndarray
    labels: np.ndarray

    @classmethod
    def empty(cls) -> Detections:
        return cls(np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros(0, int))

    def __len__(self) -> int:
        return len(self.boxes)

    def take(self, index: np.ndarray) -> Detections:
        return Detections(self.boxes[index], self.scores[index], self.labels[index])


def postprocess(loc: torch.Tensor, conf: torch.Tensor, input_px: int, score_threshold: float = 0.05,
                top_k: int = 200) -> list[Detections]:
    """Decode the heads' outputs of a batch into per-image detections (threshold, top-k, per-class NMS)."""
    anchors = default_boxes(input_px)
    boxes = decode(loc, anchors).clamp(0, input_px)
    probs = conf.softmax(-1)[..., 1:]
    out = []
    for b in range(loc.shape[0]):
        p = probs[b]
        idx, cls = torch.nonzero(p > score_threshold, as_tuple=True)
        sc = p[idx, cls]
        if sc.numel() > top_k:
            sc, order = sc.topk(top_k)
            idx, cls = idx[order], cls[order]
        bx, s, c = boxes[b][idx].numpy(), sc.numpy(), cls.numpy()
        keep = batched_nms(bx, s, c)[:MAX_DETECTIONS]
        out.append(Detections(bx[keep].astype(np.float32), s[keep].astype(np.float32), c[keep].astype(int)))
    return out


def detect(model: TinySSD, images: np.ndarray, score_threshold: float = 0.05) -> list[Detections]:
    """Run ``model`` (eval mode, no grad) on grey images ``[B, S, S]`` or ``[S, S]`` in [0, 1]."""
    images = np.asarray(images, np.float32)
    if images.ndim == 2:
        images = images[None]
    if images.shape[-1] != images.shape[-2]:
        raise ValueError(f"image shape {images.shape[-2:]} is not allowed; allowed: square images")
    check_input_px(images.shape[-1])
    model.eval()
    with torch.no_grad():
        loc, conf = model(torch.from_numpy(images)[:, None])
    return postprocess(loc, conf, images.shape[-1], score_threshold)


@functools.lru_cache(maxsize=64)
def detector_flops(input_px: int, width: int = 16, num_classes: int = len(CLASSES)) -> int:
    """FLOPs of one TinySSD forward pass at ``input_px`` (``torch.utils.flop_counter`` on meta tensors; 2 per MAC;
    NMS and decoding not counted)."""
    check_input_px(input_px)
    with torch.device("meta"):
        model = TinySSD(num_classes, width).eval()
        x = torch.empty(1, 1, input_px, input_px)
    with FlopCounterMode(display=False) as counter:
        model(x)
    return int(counter.get_total_flops())


# -- training ----------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DetectorConfig:
    """How the cached detector is trained.

    Parameters
    ----------
    width : int
        Channels of the first conv (the backbone has width x (1, 2, 4, 4, 6, 6) channels).
    iterations : int
        SGD steps.
    batch : int
        Images per step.
    lr : float
        Peak learning rate (Adam, linear warm-up over 5 % of the steps, cosine decay).
    train_videos : int
        Synthetic training videos (seeds 10_000 + i, disjoint from evaluation seeds < 10_000).
    canvas_fraction : float
        Fraction of batches that are packed canvases instead of full frames.
    frame_px : int
        Side of the training videos' frames.
    seed : int
        Seed of the initialisation and the batch order.
    """

    width: int = 16
    iterations: int = 600
    batch: int = 16
    lr: float = 3e-3
    train_videos: int = 40
    canvas_fraction: float = 0.4
    frame_px: int = 128
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("width", "iterations", "batch", "train_videos"):
            if getattr(self, name) < 1:
                raise ValueError(f"DetectorConfig.{name}={getattr(self, name)} is not allowed; allowed: >= 1")
        if not 0 <= self.canvas_fraction <= 1:
            raise ValueError(f"DetectorConfig.canvas_fraction={self.canvas_fraction} is not allowed; allowed: 0..1")
        check_input_px(self.frame_px, "DetectorConfig.frame_px")

    @property
    def key(self) -> str:
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()[:12]


def weights_path(config: DetectorConfig) -> Path:
    return data_dir() / "results" / "pad" / f"tinyssd-{config.key}.pt"


def _training_video_config(rng: np.random.Generator, index: int, frame_px: int) -> VideoConfig:
    return VideoConfig(frames=24, size=frame_px, objects=int(rng.integers(1, 7)), speed_px=float(rng.uniform(0.5, 5)),
                       occluders=int(rng.integers(0, 2)), churn=float(rng.choice([0.0, 0.03])),
                       texture=float(rng.uniform(0.05, 0.25)), kind="mixed", seed=10_000 + index)


def _canvas_sample(rng, frame, boxes, labels, canvas_px):
    """A packed canvas from a random subset of ``boxes`` with a random expansion, and its ground truth."""
    n = len(boxes)
    if n == 0:
        return None
    chosen = rng.permutation(n)[: int(rng.integers(1, n + 1))]
    plan = plan_canvas(boxes[chosen], frame.shape[0], canvas_px, step_px=int(rng.integers(1, 6)),
                       max_margin_px=int(rng.integers(0, 17)))
    if plan is None:
        return None
    canvas = render_canvas(frame, plan)
    gt_b, gt_l = [], []
    for p in plan.placements:
        x1, y1, x2, y2 = p.roi
        for b, lab in zip(boxes, labels):
            ix1, iy1 = max(b[0], x1), max(b[1], y1)
            ix2, iy2 = min(b[2], x2), min(b[3], y2)
            if ix2 <= ix1 or iy2 <= iy1:
                continue
            if (ix2 - ix1) * (iy2 - iy1) < 0.6 * (b[2] - b[0]) * (b[3] - b[1]):
                continue
            dx, dy = p.cx - x1, p.cy - y1
            gt_b.append((ix1 + dx, iy1 + dy, ix2 + dx, iy2 + dy))
            gt_l.append(lab)
    return canvas, np.asarray(gt_b, np.float32).reshape(-1, 4), np.asarray(gt_l, int)


def train_detector(config: DetectorConfig = DetectorConfig(), *, progress: bool = True) -> tuple[TinySSD, dict]:
    """Train a :class:`TinySSD` on synthetic video (see the module docstring); returns (model, training log)."""
    rng = np.random.default_rng(config.seed)
    torch.manual_seed(config.seed)
    videos = [make_video(_training_video_config(rng, i, config.frame_px)) for i in range(config.train_videos)]
    pool = [(v.frames[t], v.boxes[t], v.labels[t]) for v in videos for t in range(len(v))]
    model = TinySSD(len(CLASSES), config.width)
    opt = torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=1e-4)
    warm = max(1, config.iterations // 20)
    began = time.perf_counter()
    losses = []
    model.train()
    steps = range(config.iterations)
    for step in (track(steps, total=config.iterations, description="training TinySSD") if progress else steps):
        rate = config.lr * min(1.0, (step + 1) / warm) * 0.5 * (1 + math.cos(math.pi * step / config.iterations))
        for g in opt.param_groups:
            g["lr"] = rate
        use_canvas = rng.random() < config.canvas_fraction
        side = int(rng.choice([64, 80, 96, 112])) if use_canvas else config.frame_px
        images, targets = [], []
        while len(images) < config.batch:
            frame, boxes, labels = pool[int(rng.integers(len(pool)))]
            if use_canvas:
                sample = _canvas_sample(rng, frame, boxes, labels, side)
                if sample is None:
                    continue
                image, boxes, labels = sample
            else:
                image = frame
            if rng.random() < 0.5:  # horizontal flip (digits stay recognisable enough; shapes are symmetric)
                image = image[:, ::-1]
                boxes = boxes.copy()
                boxes[:, [0, 2]] = side - boxes[:, [2, 0]]
            images.append(np.ascontiguousarray(image))
            targets.append((torch.from_numpy(boxes), torch.from_numpy(labels)))
        anchors = default_boxes(side)
        t = [match(b, lab, anchors) for b, lab in targets]
        t_loc = torch.stack([a for a, _ in t])
        t_cls = torch.stack([c for _, c in t])
        loc, conf = model(torch.from_numpy(np.stack(images))[:, None])
        loss = multibox_loss(loc, conf, t_loc, t_cls)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        losses.append(float(loss.detach()))
    model.eval()
    log = {"config": asdict(config), "seconds": time.perf_counter() - began, "first_loss": float(np.mean(losses[:20])),
           "last_loss": float(np.mean(losses[-20:])), "frames_in_pool": len(pool)}
    return model, log


def save_detector(model: TinySSD, config: DetectorConfig, log: dict, path: Path | None = None) -> Path:
    path = path if path is not None else weights_path(config)
    buffer = io.BytesIO()
    torch.save({"state_dict": model.state_dict(), "config": asdict(config), "log": log}, buffer)
    write_with_sidecar(path, buffer.getvalue(), {"config": asdict(config), "command": "workbench regenerate pad"})
    return path


_LOADED: dict[str, TinySSD] = {}


def _load_weights(path: Path, config: DetectorConfig) -> TinySSD:
    state = torch.load(path, map_location="cpu", weights_only=True)  # tensors and plain values only: no code runs
    if not isinstance(state, dict) or not isinstance(state.get("state_dict"), dict):
        raise KeyError("it holds no 'state_dict' of weights")
    check_finite(state["state_dict"])
    model = TinySSD(len(CLASSES), config.width)
    model.load_state_dict(state["state_dict"])
    return model


def load_detector(config: DetectorConfig = DetectorConfig(), *, train: bool = True) -> TinySSD:
    """The detector for ``config``: from memory, else from the cached weights, else trained now (minutes) and cached.

    Raises
    ------
    FileNotFoundError
        When the weights are not cached and ``train`` is False (the message gives the command that makes them).
    """
    if config.key in _LOADED:
        return _LOADED[config.key]
    path = weights_path(config)
    remake = "`workbench regenerate pad` (trains on CPU in minutes)"
    model = load_cached(path, functools.partial(_load_weights, config=config),
                        instead="training the detector again (minutes)" if train else f"make new weights with {remake}")
    if model is None and not train:
        raise FileNotFoundError(f"no usable cached detector weights at {path}; make them with {remake}")
    if model is None:
        model, log = train_detector(config)
        save_detector(model, config, log)
    model.eval()
    _LOADED[config.key] = model
    return model


def regenerate() -> list[Path]:
    """Retrain the default PaD detector on synthetic video with one thread (minutes on CPU) and cache its weights in
    ``data/results/pad/``, replacing cached ones.

    Torch's thread count is restored afterwards.

    Returns
    -------
    list of Path
        The weights file.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        config = DetectorConfig()
        model, log = train_detector(config)
        path = save_detector(model, config, log)
    finally:
        torch.set_num_threads(threads)
    print(f"trained in {log['seconds']:.0f} s (loss {log['first_loss']:.2f} -> {log['last_loss']:.2f}): {path}")
    return [path]
