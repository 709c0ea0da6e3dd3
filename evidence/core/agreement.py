"""Agreement between two screeners: percent agreement and Cohen's kappa. Pure."""

from __future__ import annotations

from collections import defaultdict


def cohen_kappa(pairs: list[tuple[str, str]]) -> tuple[float | None, float | None]:
    """Percent agreement and Cohen's kappa of two raters' labels (kappa undefined when chance agreement is 1)."""
    if not pairs:
        return None, None
    n = len(pairs)
    observed = sum(a == b for a, b in pairs) / n
    first, second = defaultdict(int), defaultdict(int)
    for a, b in pairs:
        first[a] += 1
        second[b] += 1
    expected = sum(first[c] * second[c] for c in set(first) | set(second)) / n**2
    kappa = None if expected == 1 else (observed - expected) / (1 - expected)
    return 100 * observed, kappa
