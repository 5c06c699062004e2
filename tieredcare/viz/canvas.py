"""Figures, colours, the source line and saving, shared by every chart.

Charts are plain :class:`matplotlib.figure.Figure` objects (no ``pyplot``), so drawing many
of them keeps no global state and needs no display; PNG is rendered by Agg.
"""

from __future__ import annotations

import io
import textwrap
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path

import matplotlib as mpl
from matplotlib.axes import Axes
from matplotlib.figure import Figure, SubFigure

from tieredcare.atomic import atomic_write_bytes
from tieredcare.viz.fonts import language
from tieredcare.viz.formats import DEFAULT_DPI, FORMATS, MIN_DPI

TIER_COLOURS = {
    "village": "#1a9850",   # primary care in greens ...
    "township": "#91cf60",
    "county": "#4575b4",    # ... the county hospital in blue (still in-county) ...
    "city": "#f46d43",      # ... out-of-county hospitals in orange and red
    "province": "#a50026",
}
"""One colour per tier, the same in every chart: greens = primary care (基层)."""

TIER_MARKERS = {"village": "o", "township": "s", "county": "D", "city": "^", "province": "P"}

BASELINE_COLOUR = "#4d4d4d"
SCENARIO_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b",
                    "#e377c2", "#17becf", "#bcbd22")
TARGET_COLOUR = "#b2182b"
SWITCH_COLOUR = "#333333"

SOURCE_FONTSIZE = 6.5
WIDE = (8.0, 4.5)
"""16:9, a slide; at 300 dpi 2400 × 1350 pixels."""


def new_figure(lang: str, size: tuple[float, float] = WIDE, source: str | None = None
               ) -> tuple[Figure, SubFigure]:
    """An empty chart drawn in ``lang``'s fonts, with its source line at the bottom.

    The figure holds two sub-figures: the chart (returned, to draw on) and below it the
    source line, so titles, legends and axis labels can never overlap the source. Build
    the chart inside :func:`~tieredcare.viz.fonts.language` so every text takes the
    language's font, then call :func:`finish`.

    Args:
        lang: ``en`` or ``zh``.
        size: Width and height in inches.
        source: The source line (wrapped to the width); None for none.

    Returns:
        The figure, and the sub-figure to draw the chart on.
    """
    figure = Figure(figsize=size, layout="constrained")
    figure.tieredcare_lang = lang  # read by figure_bytes to save in the same fonts
    if not source:
        return figure, figure.subfigures(1, 1)
    width, height = size
    lines = wrap_parts(source, int(width * 72 / (SOURCE_FONTSIZE * 0.56)))
    reserve = (len(lines) * SOURCE_FONTSIZE * 1.3 + 5) / 72
    chart, foot = figure.subfigures(2, 1, height_ratios=[height - reserve, reserve])
    foot.text(0.006, 0.5, "\n".join(lines), ha="left", va="center", fontsize=SOURCE_FONTSIZE,
              color="0.35", gid="source")
    return figure, chart


def set_title(chart: Figure | SubFigure, text: str) -> None:
    """The chart's title, wrapped to its width."""
    figure = chart.get_figure(root=True)
    # Average advance of a half-width cell, in ems: DejaVu Sans Bold is wide.
    em = 0.52 if getattr(figure, "tieredcare_lang", "en") == "zh" else 0.64
    cells = int(figure.get_size_inches()[0] * 72 / (mpl.rcParams["figure.titlesize"] * em))
    chart.suptitle("\n".join(wrap_display(text, cells)))


def set_xlabel(chart: SubFigure, text: str) -> None:
    """One x label shared by the chart's panels, in the size of an axis label."""
    chart.supxlabel(text, fontsize=mpl.rcParams["axes.labelsize"])


def scenario_colours(scenarios: Sequence[str], baseline: str | None) -> dict[str, str]:
    """A colour per scenario: grey for the baseline, distinct colours for the others."""
    colours, others = {}, iter(SCENARIO_COLOURS * (len(scenarios) // len(SCENARIO_COLOURS) + 1))
    for name in scenarios:
        colours[name] = BASELINE_COLOUR if name == baseline else next(others)
    return colours


def _display_width(text: str) -> int:
    """Width in half-width character cells: CJK characters count as two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def wrap_parts(text: str, cells: int, sep: str = " · ") -> list[str]:
    """Wrap a line of ``sep``-separated parts, breaking between parts where possible."""
    lines: list[str] = []
    for part in text.split(sep):
        if lines and _display_width(lines[-1] + sep + part) <= cells:
            lines[-1] += sep + part
        else:
            lines += wrap_display(part, cells)
    return lines


def wrap_display(text: str, cells: int) -> list[str]:
    """Wrap text to lines of at most ``cells`` half-width cells (CJK counts double)."""
    if _display_width(text) <= cells:
        return [text]
    if _display_width(text) == len(text):
        return textwrap.wrap(text, cells)
    lines, line = [], ""
    for char in text:
        if _display_width(line + char) > cells:
            lines.append(line)
            line = ""
        line += char
    return [*lines, line] if line else lines


def finish(figure: Figure) -> Figure:
    """Lay the figure out now, inside the language's fonts.

    Tick labels are created at the first draw; drawing here gives them the chart's font
    even if the figure is later saved or shown outside :func:`language`.
    """
    figure.draw_without_rendering()
    return figure


def figure_bytes(figure: Figure, fmt: str = "png", dpi: int = DEFAULT_DPI) -> bytes:
    """The figure rendered to PNG, SVG or PDF bytes, in the fonts it was drawn in."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; allowed: {', '.join(FORMATS)}")
    buffer = io.BytesIO()
    lang = getattr(figure, "tieredcare_lang", "en")
    with language(lang):
        figure.savefig(buffer, format=fmt, dpi=dpi, facecolor="white",
                       metadata=_metadata(fmt))
    return buffer.getvalue()


def _metadata(fmt: str) -> dict[str, str | None]:
    """File metadata that does not change between runs (reproducible files)."""
    if fmt == "png":
        return {"Software": "tieredcare (matplotlib)"}
    if fmt == "pdf":
        return {"Creator": "tieredcare (matplotlib)", "CreationDate": None}
    return {"Date": None}


def save_figure(figure: Figure, path: str | Path, formats: Iterable[str] = ("png",),
                dpi: int = DEFAULT_DPI) -> list[Path]:
    """Save a chart atomically in each format, e.g. ``chart.png`` and ``chart.pdf``.

    Args:
        figure: The chart.
        path: File path; its suffix is replaced by each format's.
        formats: Any of png, svg, pdf.
        dpi: Resolution of PNGs (at least 200 for print; 300 by default).

    Returns:
        The files written.

    Raises:
        ValueError: For an unknown format or a resolution below print quality.
    """
    if dpi < MIN_DPI:
        raise ValueError(f"dpi {dpi} is below print resolution; use at least {MIN_DPI}")
    path = Path(path)
    written = []
    for fmt in dict.fromkeys(formats):
        target = path.with_suffix(f".{fmt}")
        atomic_write_bytes(target, figure_bytes(figure, fmt, dpi))
        written.append(target)
    return written


def mark_target(ax: Axes, value: float, label: str) -> None:
    """A dashed horizontal target line, labelled at its right end, kept in view."""
    ax.axhline(value, color=TARGET_COLOUR, linestyle="--", linewidth=1.2, zorder=1)
    ax.annotate(label, xy=(1.0, value), xycoords=("axes fraction", "data"),
                xytext=(-2, 3), textcoords="offset points", ha="right", va="bottom",
                color=TARGET_COLOUR, fontsize=8.5,
                bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.8})
    low, high = ax.get_ylim()
    span = max(high, value) - min(low, value)
    ax.set_ylim(min(low, value - 0.05 * span), max(high, value + 0.08 * span))


def mark_days(ax: Axes, days: dict[int, str]) -> None:
    """Vertical lines at policy switch days, each labelled at the top of the panel."""
    for day, text in sorted(days.items()):
        ax.axvline(day, color=SWITCH_COLOUR, linestyle=":", linewidth=1.2, zorder=1)
        ax.annotate(text, xy=(day, 1.0), xycoords=("data", "axes fraction"), xytext=(3, -3),
                    textcoords="offset points", ha="left", va="top", fontsize=7.5,
                    color=SWITCH_COLOUR,
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none",
                          "alpha": 0.8})
