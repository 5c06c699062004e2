"""Fonts and chart style: a CJK font for Chinese labels, sizes readable on a slide.

Chinese charts use Noto Sans SC from the ``zh`` extra (``pip install 'tieredcare[zh]'``,
package ``pylopdf-fonts-zh-cn``), registered with matplotlib's font manager at run time;
if it is not installed, a CJK font the system has (Noto Sans CJK SC, Source Han Sans SC,
WenQuanYi, Microsoft YaHei, PingFang SC, SimHei, ...) is used instead. With neither,
drawing in Chinese fails with :class:`MissingFontError` rather than printing empty boxes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import matplotlib as mpl
from matplotlib import font_manager

from tieredcare.viz.labels import check_lang

LATIN_FAMILY = "DejaVu Sans"
"""matplotlib's own font: every Latin, Greek and maths glyph the charts use."""

SYSTEM_CJK_FAMILIES = (
    "Noto Sans SC", "Noto Sans CJK SC", "Source Han Sans SC", "Source Han Sans CN",
    "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Microsoft YaHei", "PingFang SC",
    "Hiragino Sans GB", "SimHei", "Heiti SC", "Droid Sans Fallback", "AR PL UMing CN",
)
"""CJK families with simplified Chinese glyphs, in order of preference."""

INSTALL_HINT = "pip install 'tieredcare[zh]'"

STYLE: dict[str, Any] = {
    "font.size": 9,
    "axes.titlesize": 10.5,
    "axes.titleweight": "bold",
    "axes.labelsize": 9,
    "figure.titlesize": 12,
    "figure.titleweight": "bold",
    "legend.fontsize": 8,
    "legend.frameon": False,
    "xtick.labelsize": 8.5,
    "ytick.labelsize": 8.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "0.88",
    "grid.linewidth": 0.6,
    "axes.axisbelow": True,
    "savefig.dpi": 300,
    "savefig.facecolor": "white",
    "figure.facecolor": "white",
    "axes.formatter.useoffset": False,  # tick labels show the values themselves
    "svg.fonttype": "path",  # SVGs show the same glyphs on machines without the font
}
"""Chart style shared by every chart (a slide or an A4 briefing page)."""


class MissingFontError(RuntimeError):
    """No font with Chinese glyphs is available for charts in Chinese."""


def packaged_font() -> Path | None:
    """Noto Sans SC from the ``zh`` extra, if it is installed."""
    try:
        import pylopdf_fonts_zh_cn
    except ImportError:
        return None
    path = Path(pylopdf_fonts_zh_cn.sans_path())
    return path if path.is_file() else None


@cache
def cjk_family() -> str | None:
    """Name of a registered font family with simplified Chinese glyphs, or None."""
    path = packaged_font()
    if path is not None:
        font_manager.fontManager.addfont(str(path))
        return font_manager.FontProperties(fname=str(path)).get_name()
    installed = {font.name for font in font_manager.fontManager.ttflist}
    return next((name for name in SYSTEM_CJK_FAMILIES if name in installed), None)


def require_cjk_family() -> str:
    """The CJK family for Chinese charts.

    Raises:
        MissingFontError: If neither the ``zh`` extra nor a system CJK font is installed.
    """
    family = cjk_family()
    if family is None:
        raise MissingFontError(
            "Charts in Chinese need a font with Chinese glyphs, and none was found. "
            f"Install the zh extra: {INSTALL_HINT} (it ships Noto Sans SC), or a system CJK "
            "font such as Noto Sans CJK SC (Debian: apt-get install fonts-noto-cjk).")
    return family


def font_families(lang: str) -> list[str]:
    """Font families in fallback order for a language.

    Chinese charts are set in the CJK font, its Latin letters included, so mixed text looks
    of a piece, with DejaVu Sans for the few symbols it lacks. English charts hold only
    ASCII names and symbols DejaVu Sans has, so they need no CJK font at all.
    """
    if check_lang(lang) == "zh":
        return [require_cjk_family(), LATIN_FAMILY]
    return [LATIN_FAMILY]


def style(lang: str) -> dict[str, Any]:
    """Matplotlib rc settings of a chart in ``lang``."""
    rc = {**STYLE, "font.family": font_families(lang)}
    if lang == "zh":  # the packaged CJK font has one weight: titles stand out by size
        rc |= {"axes.titleweight": "normal", "figure.titleweight": "normal"}
    return rc


@contextmanager
def language(lang: str) -> Iterator[None]:
    """Draw charts in ``lang`` inside the block (matplotlib settings restored after it)."""
    with mpl.rc_context(style(lang)):
        yield


def use_language(lang: str) -> None:
    """Set the chart style and fonts of ``lang`` for the rest of the session (notebooks)."""
    mpl.rcParams.update(style(lang))
