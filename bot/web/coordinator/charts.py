"""The metrics page's charts as SVG, drawn by matplotlib: no network, no GUI, the same bytes for the same figures.

Text stays text in the SVG (`svg.fonttype: none`), so the browser sets it in its own fonts: Chinese
labels need no CJK font here, and the numbers can be read out of the file (the tests do). Matplotlib
measures text with its own font, which has no Chinese glyphs, so labels are placed where a wrong
width cannot clip them: above each bar, not beside the axis.

matplotlib is imported inside the functions (it costs about a second) and only its Agg canvas is
used, never pyplot, so no GUI backend is ever chosen and nothing global changes but the rcParams
set once below. One lock serialises drawing: matplotlib is not thread-safe, waitress is threaded.
"""

from __future__ import annotations

import io
import threading
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

# Okabe–Ito colours: told apart with every common colour-vision deficiency, dark enough on white.
BLUE = "#0072B2"
ORANGE = "#E69F00"
VERMILION = "#D55E00"
GREEN = "#009E73"
GREY = "#6B7687"
INK = "#1B2430"
# The page's own font stack (coordinator.css), so the charts read like the tables beside them.
FONT_STACK = (
    "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', 'Noto Sans CJK SC', 'PingFang SC', "
    "'Microsoft YaHei', sans-serif"
)
_FONT_PLACEHOLDER = "PrescreenChartFont"  # written by matplotlib as the family, swapped for FONT_STACK
WIDTH_IN = 6.4
COLUMN_HEIGHT_IN = 3.2
CSS_DPI = 96  # a CSS pixel is 1/96 inch: the <img> size that shows the SVG at its drawn size


def bar_chart_height_in(rows: int) -> float:
    """A bar chart's height: a row per bar, and room for the axis."""
    return 0.3 + 0.55 * max(rows, 1)


def image_size(rows: int | None = None) -> tuple[int, int]:
    """(width, height) in CSS pixels of a bar chart of `rows` bars, or of the column chart (None)."""
    height = COLUMN_HEIGHT_IN if rows is None else bar_chart_height_in(rows)
    return round(WIDTH_IN * CSS_DPI), round(height * CSS_DPI)
_lock = threading.Lock()
_configured = False


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    colour: str = BLUE


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[int]
    colour: str


def _matplotlib() -> Any:
    """matplotlib, set up once for deterministic, text-as-text SVG."""
    global _configured
    import matplotlib

    if not _configured:
        matplotlib.rcParams.update({
            "svg.fonttype": "none",
            "svg.hashsalt": "prescreen-metrics",  # clip-path ids from a fixed salt, not a random one
            "font.family": [_FONT_PLACEHOLDER, "DejaVu Sans"],
            "font.size": 10,
            "text.color": INK,
            "axes.edgecolor": GREY,
            "axes.labelcolor": INK,
            "xtick.color": INK,
            "ytick.color": INK,
        })
        _configured = True
    return matplotlib


def _figure(height_in: float) -> tuple[Any, Any]:
    _matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH_IN, height_in))
    FigureCanvasAgg(figure)
    return figure, figure.add_subplot()


def _svg(figure: Any) -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        # Chinese glyphs are missing from matplotlib's font; the browser draws them (svg.fonttype none).
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .* missing from current font")
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    svg = buffer.getvalue().decode("utf-8")
    return svg.replace(f"'{_FONT_PLACEHOLDER}'", FONT_STACK).encode("utf-8")


def _quiet_axes(axes: Any) -> None:
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)


def bar_chart(bars: Sequence[Bar]) -> bytes:
    """Horizontal bars, top to bottom in the order given: each label above its bar, the count at its end."""
    with _lock:
        rows = max(len(bars), 1)
        figure, axes = _figure(bar_chart_height_in(rows))
        positions = [rows - 1 - n for n in range(len(bars))]
        peak = max([bar.value for bar in bars] + [1])
        drawn = axes.barh(positions, [bar.value for bar in bars], height=0.38,
                          color=[bar.colour for bar in bars], align="edge")
        axes.bar_label(drawn, labels=[str(bar.value) for bar in bars], padding=4, color=INK)
        for position, bar in zip(positions, bars, strict=True):
            axes.text(0, position + 0.45, bar.label, va="bottom", ha="left", color=INK)
        axes.set_xlim(0, peak * 1.15)
        axes.set_ylim(-0.1, rows)
        axes.set_yticks([])
        axes.xaxis.get_major_locator().set_params(integer=True)
        _quiet_axes(axes)
        axes.spines["left"].set_visible(False)
        figure.subplots_adjust(left=0.02, right=0.98, top=0.98, bottom=0.5 / bar_chart_height_in(rows))
        return _svg(figure)


def column_chart(categories: Sequence[str], series: Sequence[Series], value_label: str) -> bytes:
    """Stacked columns, one per category (left to right), with each column's total on top and a legend above."""
    with _lock:
        figure, axes = _figure(COLUMN_HEIGHT_IN)
        positions = list(range(len(categories)))
        bottoms = [0] * len(categories)
        for one in series:
            axes.bar(positions, one.values, bottom=bottoms, color=one.colour, label=one.label, width=0.7)
            bottoms = [b + v for b, v in zip(bottoms, one.values, strict=True)]
        for position, total in zip(positions, bottoms, strict=True):
            axes.text(position, total, str(total), ha="center", va="bottom", color=INK)
        axes.set_xticks(positions)
        axes.set_xticklabels(categories, rotation=45 if len(categories) > 8 else 0, ha="center")
        axes.set_ylim(0, max(bottoms + [1]) * 1.2)
        axes.yaxis.get_major_locator().set_params(integer=True)
        axes.set_ylabel(value_label)
        _quiet_axes(axes)
        axes.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncol=len(series), frameon=False,
                    borderaxespad=0.2, handlelength=1.0)
        figure.subplots_adjust(left=0.1, right=0.98, top=0.86, bottom=0.2 if len(categories) > 8 else 0.12)
        return _svg(figure)
