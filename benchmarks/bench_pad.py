"""PaD side by side: packing time per frame, and the measured throughput gain of PaD next to its FLOP ratio.

1. Packing: ``plan_canvas`` (merge, greedy expansion, rectpack MaxRects) on the ground-truth boxes of every frame of
   synthetic videos; mean and 95th-percentile milliseconds per frame against the 5 ms target.
2. Throughput: the cached TinySSD (trained first if absent, minutes) on one video, full frame vs PaD, one torch
   thread, stepped alternately frame by frame, repeated, every frame's fastest time kept; the FLOP ratio, the
   measured frame-rate ratio and the pure network time at both input sizes, so the gap between the two ratios is
   visible term by term.

    python benchmarks/bench_pad.py [--frames 120] [--k 4] [--canvas 64] [--repeats 3]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from workbench.datasets.video import VideoConfig, make_video
from workbench.nn.device import torch_threads
from workbench.pad.detector import detector_flops, load_detector
from workbench.pad.experiment import interleaved
from workbench.pad.metrics import coco_map
from workbench.pad.packing import plan_canvas
from workbench.pad.pipeline import PadConfig


def bench_packing(canvas: int) -> None:
    wall, cpu, failures, counts, margins = [], [], 0, [], []
    for seed in range(5):
        video = make_video(VideoConfig(frames=60, objects=5, seed=seed))
        for boxes in video.boxes:
            began, began_cpu = time.perf_counter(), time.process_time()
            try:
                plan = plan_canvas(boxes, video.config.size, canvas, step_px=2, max_margin_px=16)
            except ValueError:
                plan = None
            wall.append(time.perf_counter() - began)
            cpu.append(time.process_time() - began_cpu)
            failures += plan is None
            counts.append(len(boxes))
            margins.append(plan.margin_px if plan else 0)
    print(f"packing {len(wall)} frames ({np.mean(counts):.1f} ROIs each, step 2 px up to 16 px, S_p={canvas}, "
          f"mean margin reached {np.mean(margins):.1f} px, {failures} packing failures), ms per frame:")
    for name, values in (("wall clock", wall), ("CPU time", cpu)):
        ms = np.asarray(values) * 1e3
        print(f"  {name:<11} mean {ms.mean():.2f}, p95 {np.percentile(ms, 95):.2f}, max {ms.max():.2f} "
              f"(target < 5 ms: {'met' if np.percentile(ms, 95) < 5 else 'MISSED'} at p95)")
    print("  (wall clock includes waiting for a core on a shared machine; CPU time is the packing's own work)")


def _network_ms(model, sides: tuple[int, int], repeats: int = 60) -> tuple[float, float]:
    """Forward-pass milliseconds at two input sides, timed alternately, median of ``repeats`` each (the median, not
    the minimum: the end-to-end per-frame times it is compared with include the machine's typical contention)."""
    xs = [torch.rand(1, 1, s, s) for s in sides]
    times: list[list[float]] = [[], []]
    with torch.no_grad():
        for x in xs:
            model(x)
        for _ in range(repeats):
            for i, x in enumerate(xs):
                began = time.perf_counter()
                model(x)
                times[i].append(time.perf_counter() - began)
    return float(np.median(times[0])) * 1e3, float(np.median(times[1])) * 1e3


def bench_throughput(frames: int, k: int, canvas: int, repeats: int) -> None:
    model = load_detector()
    video = make_video(VideoConfig(frames=frames, objects=3, seed=0))
    config = PadConfig(k=k, canvas_px=canvas)
    with torch_threads(1):
        full, pad = interleaved(video, model, config, repeats)
        net_full, net_canvas = _network_ms(model, (video.config.size, canvas))
    flop_ratio = full.flops_per_frame / pad.flops_per_frame
    gain = pad.fps / full.fps
    a = pad.anchor_fraction
    net_pad = a * net_full + (1 - a) * net_canvas
    full_ms, pad_ms = 1e3 / full.fps, 1e3 / pad.fps
    acc_full, acc_pad = coco_map(video, full.detections), coco_map(video, pad.detections)
    print(f"video {frames} frames at {video.config.size} px; PaD k={k}, S_p={canvas}: anchors {a:.0%} "
          f"{pad.reasons()}")
    print(f"{'':<26}{'full frame':>12}{'PaD':>12}{'ratio':>9}")
    print(f"{'FLOPs per frame (M)':<26}{full.flops_per_frame / 1e6:>12.1f}{pad.flops_per_frame / 1e6:>12.1f}"
          f"{flop_ratio:>8.2f}x")
    print(f"{'network only (ms/frame)':<26}{net_full:>12.2f}{net_pad:>12.2f}{net_full / net_pad:>8.2f}x")
    print(f"{'end to end (ms/frame)':<26}{full_ms:>12.2f}{pad_ms:>12.2f}{full_ms / pad_ms:>8.2f}x")
    print(f"{'throughput (frames/s)':<26}{full.fps:>12.1f}{pad.fps:>12.1f}{gain:>8.2f}x")
    print(f"{'mAP@0.5 (%)':<26}{100 * acc_full['map50']:>12.1f}{100 * acc_pad['map50']:>12.1f}")
    print(f"why the measured gain ({gain:.2f}x) is below the FLOP ratio ({flop_ratio:.2f}x): the network at "
          f"{canvas} px runs {net_full / net_canvas:.2f}x faster than at {video.config.size} px for "
          f"{detector_flops(video.config.size) / detector_flops(canvas):.1f}x fewer FLOPs (per-layer dispatch and "
          f"small maps use the CPU less efficiently), and {full_ms - net_full:.2f} ms (full) / "
          f"{pad_ms - net_pad:.2f} ms (PaD) per frame go to work that does not shrink with the input: decoding and "
          "NMS, the scene-change test, packing, canvas rendering and mapping back")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=120)
    parser.add_argument("--k", type=int, default=4)
    parser.add_argument("--canvas", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    bench_packing(args.canvas)
    bench_throughput(args.frames, args.k, args.canvas, args.repeats)


if __name__ == "__main__":
    main()
