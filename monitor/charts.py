"""Bar charts drawn on the server as SVG: no script, no third-party library, readable without
JavaScript, printable.

:func:`bar_chart` computes the geometry; ``templates/monitor/partials/bar_chart.html`` draws
it as inline ``<svg>`` (with a ``<title>`` and a ``<desc>``) followed by the same numbers as
a table, for screen readers and for copying. Colours come from the stylesheet (classes on
the bars), so the page needs no inline style.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

WIDTH = 720
HEIGHT = 280
MARGIN_LEFT = 40
MARGIN_RIGHT = 10
MARGIN_TOP = 10
MARGIN_BOTTOM = 48


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    values: tuple[int, ...]


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: int
    series: str
    label: str  # "May 2022: 3 detentions", the bar's own <title>


@dataclass(frozen=True)
class Tick:
    y: float
    value: int


@dataclass(frozen=True)
class XLabel:
    x: float
    text: str


@dataclass
class BarChart:
    title: str
    description: str
    categories: list[str]
    series: list[Series]
    bars: list[Bar] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    x_labels: list[XLabel] = field(default_factory=list)
    width: int = WIDTH
    height: int = HEIGHT
    left: int = MARGIN_LEFT
    right: int = WIDTH - MARGIN_RIGHT
    top: int = MARGIN_TOP
    bottom: int = HEIGHT - MARGIN_BOTTOM

    @property
    def rows(self) -> list[tuple[str, list[int]]]:
        """The data table: one row per category, one value per series."""
        return [
            (category, [series.values[index] for series in self.series])
            for index, category in enumerate(self.categories)
        ]

    @property
    def totals(self) -> list[int]:
        return [sum(series.values) for series in self.series]

    @property
    def empty(self) -> bool:
        return not any(self.totals)


def _nice_max(value: int) -> int:
    """A round top for the axis: 1, 2, 5, 10, 20, 50… at or above ``value``."""
    if value <= 5:
        return max(value, 1)
    exponent = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * exponent:
            return step * exponent
    return 10 * exponent


def bar_chart(
    *,
    title: str,
    description: str,
    categories: list[str],
    series: list[tuple[str, str, list[int]]],
) -> BarChart:
    """Grouped bars: one group per category, one bar per series (``(key, label, values)``)."""
    chart = BarChart(
        title=title,
        description=description,
        categories=list(categories),
        series=[Series(key, label, tuple(values)) for key, label, values in series],
    )
    top_value = _nice_max(max([v for s in chart.series for v in s.values] or [0]))
    plot_height = chart.bottom - chart.top
    plot_width = chart.right - chart.left
    groups = max(len(categories), 1)
    group_width = plot_width / groups
    bar_width = max(group_width * 0.8 / max(len(chart.series), 1), 1)
    for index, category in enumerate(categories):
        group_x = chart.left + index * group_width + group_width * 0.1
        for position, one in enumerate(chart.series):
            value = one.values[index]
            height = plot_height * value / top_value
            chart.bars.append(
                Bar(
                    x=round(group_x + position * bar_width, 2),
                    y=round(chart.bottom - height, 2),
                    width=round(bar_width, 2),
                    height=round(height, 2),
                    value=value,
                    series=one.key,
                    label=f"{category}: {value} {one.label}",
                )
            )
    steps = min(top_value, 5)
    for step in range(steps + 1):
        value = round(top_value * step / steps)
        chart.ticks.append(
            Tick(y=round(chart.bottom - plot_height * value / top_value, 2), value=value)
        )
    # Label at most about twelve categories, so the labels never overlap.
    every = max(1, math.ceil(len(categories) / 12))
    for index, category in enumerate(categories):
        if index % every == 0:
            chart.x_labels.append(
                XLabel(x=round(chart.left + (index + 0.5) * group_width, 2), text=category)
            )
    return chart
