"""Server-rendered bar charts: the geometry of an SVG bar chart from labelled figures, so
a page draws it with a few <rect>s and no JavaScript. Figures stay exact in the labels;
only the drawing is scaled."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

__all__ = ["Bar", "bar_chart"]

WIDTH, HEIGHT, BASE = 640, 200, 170  # the viewBox, and the baseline's y


@dataclass(frozen=True)
class Bar:
    label: str
    value: str  # the exact figure, as shown
    x: int
    y: int
    width: int
    height: int
    negative: bool


def bar_chart(figures: Sequence[tuple[str, Decimal]]) -> list[Bar]:
    """One bar per figure, heights in proportion to the largest absolute figure (a
    negative figure, a credit, is drawn as tall as its size and marked)."""
    if not figures:
        return []
    largest = max((abs(v) for _, v in figures), default=Decimal(0)) or Decimal(1)
    slot = WIDTH // len(figures)
    bars = []
    for n, (label, value) in enumerate(figures):
        height = int(abs(value) / largest * (BASE - 20))
        x, width = n * slot + slot // 5, slot * 3 // 5
        bars.append(Bar(label, str(value), x, BASE - height, width, height, value < 0))
    return bars
