"""The cross-stack composition reproduces no paper claim of its own: each composed theme checks its claims."""

from __future__ import annotations

from workbench.core.reproduce import ClaimResult


def reproduce(quick: bool = False) -> list[ClaimResult]:
    """No claims (the composition is new: there is no paper number to compare with)."""
    return []
