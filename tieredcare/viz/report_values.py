"""Numbers as the briefing shows them: indicator values, differences, lever values."""

from __future__ import annotations

import math

from tieredcare.viz.labels import display_scale, indicator_unit_key, is_share, parameter_is_share
from tieredcare.viz.report_html import word

INDEX_DIGITS = 3
"""Decimals of an index (a concentration index is near 0: −0.012, +0.048)."""


def format_value(indicator: str, value: float | None, lang: str) -> str:
    """An indicator's value as a reader expects it: '88.2 %', '5.90', '170 CNY'."""
    if value is None or not math.isfinite(value):
        return "–"
    shown = value * display_scale(indicator)
    if is_share(indicator):
        return f"{shown:.1f}%" if lang == "zh" else f"{shown:.1f} %"
    if _is_index(indicator):
        return f"{shown:.{INDEX_DIGITS}f}".replace("-", "−")
    return f"{shown:,.{_digits(abs(shown))}f}"


def _is_index(indicator: str) -> bool:
    return indicator_unit_key(indicator).startswith("index")


def _digits(size: float) -> int:
    """Decimals that show about three significant figures."""
    return 0 if size >= 100 else 1 if size >= 10 else 2


def format_difference(indicator: str, diff: float, low: float, high: float, lang: str) -> str:
    """'+3.4 pp [+3.1, +3.7]' (shares in percentage points)."""
    if not math.isfinite(diff):
        return "–"
    digits = _difference_digits(indicator, diff)
    low_high = ", ".join(_signed(indicator, v, digits) for v in (low, high))
    return f"{format_change(indicator, diff, lang)} [{low_high}]"


def format_change(indicator: str, diff: float, lang: str) -> str:
    """A difference between two values of an indicator: '+3.4 pp', '−12 CNY'."""
    if not math.isfinite(diff):
        return "–"
    unit = word("pp", lang) if is_share(indicator) else ""
    digits = _difference_digits(indicator, diff)
    if round(diff * display_scale(indicator), digits) == 0:
        diff = 0.0  # no change shows as +0.0, not −0.0
    return _signed(indicator, diff, digits) + unit


def _difference_digits(indicator: str, diff: float) -> int:
    return 1 if is_share(indicator) else INDEX_DIGITS if _is_index(indicator) else \
        _digits(abs(diff * display_scale(indicator)))


def _signed(indicator: str, value: float, digits: int) -> str:
    if not math.isfinite(value):
        return "?"
    return f"{value * display_scale(indicator):+.{digits}f}".replace("-", "−")


def format_parameter(key: str, value: object, lang: str) -> str:
    """A lever's value: shares in % ('85.0 %'), other numbers to 4 significant digits."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if parameter_is_share(key):
        return f"{value * 100:.1f}%" if lang == "zh" else f"{value * 100:.1f} %"
    return f"{value:.4g}"
