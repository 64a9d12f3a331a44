"""When to prune and how many filters: the gradual schedule of pruning while training, and channel selection.

Schedule [R] (2003.02800 and 2002.09958 prune "every n epochs until epoch N1"): after every epoch ``e`` with
``(e + 1) % n == 0`` and ``e < N1`` a pruning step removes filters, so that after the last step a fraction
``target_ratio`` of the prunable filters is gone. The papers give a fixed count ``x`` per step; here ``x`` follows
from the target (the total spread as evenly as whole filters allow over the steps) and is reported.

Ranking: ``"global"`` ranks every filter of the network together on per-layer L2-normalised scores (FRS ranks
this way); ``"layer"`` removes the same fraction from every layer, lowest scores first. A layer never drops below
``min_channels``.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

RANKINGS = ("global", "layer")


@dataclass(frozen=True)
class PruneSchedule:
    """Gradual pruning schedule.

    Parameters
    ----------
    every_n_epochs : int
        ``n``: prune after every n-th epoch.
    stop_epoch : int
        ``N1``: no pruning step after epoch ``N1 - 1`` (0-based), so the network trains unchanged from then on.
    target_ratio : float
        Fraction of the prunable filters removed after the last step, in [0, 1).
    ranking : {"global", "layer"}
        Rank filters across the network or remove the same fraction from each layer.
    min_channels : int
        Smallest width any prunable layer keeps.
    """

    every_n_epochs: int = 2
    stop_epoch: int = 10
    target_ratio: float = 0.5
    ranking: str = "global"
    min_channels: int = 1

    def __post_init__(self) -> None:
        if self.every_n_epochs < 1:
            raise ValueError(f"every_n_epochs={self.every_n_epochs} is not allowed; allowed: >= 1")
        if self.stop_epoch < self.every_n_epochs:
            raise ValueError(
                f"stop_epoch={self.stop_epoch} is not allowed; allowed: >= every_n_epochs={self.every_n_epochs}"
            )
        if not 0 <= self.target_ratio < 1:
            raise ValueError(f"target_ratio={self.target_ratio} is not allowed; allowed: 0 <= target_ratio < 1")
        if self.ranking not in RANKINGS:
            raise ValueError(f"ranking={self.ranking!r} is not allowed; allowed: one of {RANKINGS}")
        if self.min_channels < 1:
            raise ValueError(f"min_channels={self.min_channels} is not allowed; allowed: >= 1")

    def steps(self) -> list[int]:
        """0-based epochs after which a pruning step happens."""
        return [e for e in range(self.stop_epoch) if (e + 1) % self.every_n_epochs == 0]

    def removals(self, widths: dict[str, int]) -> list[dict[str, int] | int]:
        """Filters to remove at each step, from the initial ``widths``.

        Returns one entry per step: an int (total over the network) for global ranking, or a ``{layer: count}``
        dict for per-layer ranking. Cumulative removals after step k are ``round(total * k / steps)``.
        """
        steps = len(self.steps())

        def spread(total: int) -> list[int]:
            marks = [round(total * k / steps) for k in range(steps + 1)]
            return [b - a for a, b in zip(marks, marks[1:])]

        if self.ranking == "global":
            capacity = sum(max(w - self.min_channels, 0) for w in widths.values())
            return spread(min(round(self.target_ratio * sum(widths.values())), capacity))
        per_layer = {
            name: spread(min(round(self.target_ratio * w), max(w - self.min_channels, 0)))
            for name, w in widths.items()
        }
        return [{name: counts[k] for name, counts in per_layer.items()} for k in range(steps)]

    def filters_per_step(self, widths: dict[str, int]) -> float:
        """Mean filters removed per step over the network (the papers' ``x``)."""
        removals = self.removals(widths)
        if not removals:
            return 0.0
        totals = [r if isinstance(r, int) else sum(r.values()) for r in removals]
        return sum(totals) / len(totals)


def normalise(scores: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Each layer's scores divided by their L2 norm (so global ranking compares layers on one scale)."""
    return {name: s / (s.norm() + 1e-12) for name, s in scores.items()}


def select(
    scores: dict[str, torch.Tensor], count: int | dict[str, int], ranking: str, min_channels: int = 1
) -> dict[str, torch.Tensor]:
    """Channels to keep in each layer after removing ``count`` lowest-scored filters.

    Parameters
    ----------
    scores : dict of layer name to 1-D tensor
        One score per current channel; low scores are removed first.
    count : int or dict
        Filters to remove: over the network (``ranking="global"``) or per layer (``"layer"``).
    ranking : {"global", "layer"}
        See the module docstring.
    min_channels : int
        Floor on every layer's width; filters that would cross it are skipped.

    Returns
    -------
    dict of layer name to sorted LongTensor of kept channel indices (every layer, changed or not).
    """
    if ranking not in RANKINGS:
        raise ValueError(f"ranking={ranking!r} is not allowed; allowed: one of {RANKINGS}")
    removed: dict[str, set[int]] = {name: set() for name in scores}
    if ranking == "global":
        if not isinstance(count, int):
            raise ValueError(f"count={count!r} is not allowed for global ranking; allowed: an int")
        flat = normalise(scores)
        entries = sorted((float(v), name, i) for name, s in flat.items() for i, v in enumerate(s.tolist()))
        budget = count
        for _, name, i in entries:
            if budget <= 0:
                break
            if len(scores[name]) - len(removed[name]) > min_channels:
                removed[name].add(i)
                budget -= 1
    else:
        if not isinstance(count, dict):
            raise ValueError(f"count={count!r} is not allowed for per-layer ranking; allowed: a dict per layer")
        for name, s in scores.items():
            n = min(count.get(name, 0), max(len(s) - min_channels, 0))
            removed[name] = set(torch.argsort(s, stable=True)[:n].tolist())
    return {
        name: torch.tensor(sorted(set(range(len(s))) - removed[name]), dtype=torch.long)
        for name, s in scores.items()
    }

