"""Briefing charts and reports of tieredcare results (matplotlib, English or Chinese).

Load a results folder, draw its charts, save them, or write a one-file HTML briefing::

    from tieredcare.viz import load_results, chart_pack, save_figure, write_report

    results = load_results("results/demo")            # a run, compare or sweep folder
    for chart in chart_pack(results, lang="zh"):
        save_figure(chart.draw(), f"figures/{chart.name}", formats=("png", "pdf"))
    write_report("results/demo", lang="en")            # results/demo/report.html

Each chart function (:mod:`tieredcare.viz.charts`, the sweep charts of
:mod:`tieredcare.viz.levers`, and for the indicators by group :mod:`tieredcare.viz.equity`
and :mod:`tieredcare.viz.severity`) also takes DataFrames directly.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "FORMATS": "formats",
    "LANGS": "labels",
    "Chart": "pack",
    "CompareResults": "loaders",
    "MissingFontError": "fonts",
    "Results": "loaders",
    "ResultsError": "loaders",
    "RunResults": "loaders",
    "SweepResults": "loaders",
    "build_report": "report",
    "chart_pack": "pack",
    "contract_coverage": "charts.coverage",
    "county_map": "charts.county",
    "equity_chart": "equity",
    "equity_table": "equity",
    "figure_bytes": "canvas",
    "language": "fonts",
    "lever_differences": "levers",
    "lever_response": "levers",
    "load_results": "loaders",
    "paired_differences": "charts.forest",
    "plot_results": "pack",
    "save_figure": "canvas",
    "sensitivity_chart": "charts.sensitivity",
    "series_bands": "charts.series",
    "severity_shares": "severity",
    "severity_table": "severity",
    "tier_share_table": "charts.shares",
    "tier_shares": "charts.shares",
    "time_series": "charts.series",
    "use_language": "fonts",
    "write_report": "report",
}
"""Public name → module that defines it; loaded on first use (matplotlib is slow to import,
and the command line imports this package to register its commands)."""

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'tieredcare.viz' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"tieredcare.viz.{_EXPORTS[name]}"), name)
    globals()[name] = value  # the next look-up is a plain attribute
    return value


def __dir__() -> list[str]:
    return __all__
