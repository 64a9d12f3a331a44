"""A fake detector for exact checks: boxes of the connected groups of pixels that stand out from the 0.5 grey."""

import numpy as np
from scipy import ndimage

from workbench.pad.detector import Detections


def blob_detector(images):
    out = []
    for image in np.asarray(images):
        labels, n = ndimage.label(np.abs(image - 0.5) > 0.2)
        boxes = [(s[1].start, s[0].start, s[1].stop, s[0].stop) for s in ndimage.find_objects(labels)]
        boxes = np.asarray(boxes, np.float32).reshape(-1, 4)
        out.append(Detections(boxes, np.full(len(boxes), 0.9, np.float32), np.zeros(len(boxes), int)))
    return out


def blank_detector(images):
    return [Detections.empty() for _ in images]
