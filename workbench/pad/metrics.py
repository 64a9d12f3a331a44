"""Detection accuracy with the standard COCO evaluator (``pycocotools``).

mAP@0.5 and COCO mAP@[0.5:0.95] (101-point interpolated precision, averaged over classes present, maxDets 100),
exactly as ``pycocotools.cocoeval.COCOeval`` computes them (Lin et al., "Microsoft COCO", ECCV 2014). Ground-truth
objects less than ``min_visible`` visible (covered by occluders or other objects) are marked ``iscrowd`` so that
neither detecting nor missing them counts, COCO's own mechanism for ambiguous ground truth. Boxes are converted
from (x1, y1, x2, y2) with x2 exclusive to COCO's (x, y, w, h).
"""

from __future__ import annotations

import contextlib
import io

import numpy as np

from workbench.datasets.video import CLASSES, Video
from workbench.pad.detector import Detections


def _xywh(b) -> list[float]:
    return [float(b[0]), float(b[1]), float(b[2] - b[0]), float(b[3] - b[1])]


def coco_map(video: Video, detections: list[Detections], *, min_visible: float = 0.5,
             frames: list[int] | None = None) -> dict[str, float]:
    """``{"map50": ..., "map": ...}`` (fractions in [0, 1]) of ``detections[t]`` against ``video``'s ground truth.

    Raises
    ------
    ValueError
        When the number of detection lists differs from the number of frames.
    """
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    if len(detections) != len(video):
        raise ValueError(f"detections has {len(detections)} frames, the video {len(video)}; allowed: equal")
    index = list(range(len(video))) if frames is None else list(frames)
    images = [{"id": t + 1, "width": video.config.size, "height": video.config.size} for t in index]
    annotations, results = [], []
    for t in index:
        for b, lab, vis in zip(video.boxes[t], video.labels[t], video.visible[t]):
            w, h = float(b[2] - b[0]), float(b[3] - b[1])
            annotations.append({"id": len(annotations) + 1, "image_id": t + 1, "category_id": int(lab) + 1,
                                "bbox": _xywh(b), "area": w * h, "iscrowd": int(vis < min_visible)})
        d = detections[t]
        for b, s, lab in zip(d.boxes, d.scores, d.labels):
            if b[2] > b[0] and b[3] > b[1]:
                results.append({"image_id": t + 1, "category_id": int(lab) + 1, "bbox": _xywh(b),
                                "score": float(s)})
    if not results:
        return {"map50": 0.0, "map": 0.0}
    gt = {"images": images, "annotations": annotations,
          "categories": [{"id": i + 1, "name": name} for i, name in enumerate(CLASSES)]}
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO()
        coco.dataset = gt
        coco.createIndex()
        dt = coco.loadRes(results)
        ev = COCOeval(coco, dt, "bbox")
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    stats = np.asarray(ev.stats, float)
    return {"map50": max(float(stats[1]), 0.0), "map": max(float(stats[0]), 0.0)}
