"""Non-dominated (Pareto) filtering over any set of metrics and directions."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd


def pareto_mask(frame: pd.DataFrame, directions: Mapping[str, str]) -> np.ndarray:
    """Boolean mask of the rows of ``frame`` that no other row dominates.

    Row ``a`` dominates row ``b`` when ``a`` is at least as good as ``b`` in every metric and strictly better in at
    least one. Rows with a NaN in any of the metrics are never on the front. Duplicated optimal rows are all kept.

    Parameters
    ----------
    frame : DataFrame
        One row per design point.
    directions : mapping
        Metric column -> ``"min"`` or ``"max"``.

    Returns
    -------
    ndarray of bool, shape (len(frame),)
    """
    if not directions:
        raise ValueError("pareto_mask needs at least one metric direction")
    columns = []
    for name, better in directions.items():
        if better not in ("min", "max"):
            raise ValueError(f"metric {name!r}: direction must be 'min' or 'max', got {better!r}")
        if name not in frame.columns:
            raise KeyError(f"metric {name!r} is not a column; columns: {list(frame.columns)}")
        values = pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float)
        columns.append(values if better == "min" else -values)
    # Everything is minimised from here on.
    costs = np.column_stack(columns) if columns else np.empty((len(frame), 0))
    finite = np.all(np.isfinite(costs), axis=1)
    mask = np.zeros(len(frame), dtype=bool)
    candidates = np.flatnonzero(finite)
    if candidates.size == 0:
        return mask
    points = costs[candidates]
    # Sort by the first metric so a dominating point tends to come first; test each point against the current front.
    order = np.lexsort(points.T[::-1])
    front: list[int] = []
    for index in order:
        point = points[index]
        if front:
            kept = points[front]
            dominated = np.any(np.all(kept <= point, axis=1) & np.any(kept < point, axis=1))
            if dominated:
                continue
        front.append(index)
    mask[candidates[front]] = True
    return mask


def pareto_front(frame: pd.DataFrame, directions: Mapping[str, str]) -> pd.DataFrame:
    """The non-dominated rows of ``frame``, sorted by the first metric."""
    first = next(iter(directions))
    return frame[pareto_mask(frame, directions)].sort_values(first)
