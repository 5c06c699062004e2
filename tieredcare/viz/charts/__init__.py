"""The briefing charts: each takes loaded results (DataFrames) and returns a Figure.

Every chart has a title, axis labels with units and, given ``source``, a source line at the
bottom (see :meth:`tieredcare.viz.loaders.Results.source_line`). Shares are drawn in %,
differences of shares in percentage points. Save a chart with
:func:`~tieredcare.viz.canvas.save_figure`.

One module a chart: :mod:`~tieredcare.viz.charts.series` (indicators over time),
:mod:`~tieredcare.viz.charts.shares` (tier shares), :mod:`~tieredcare.viz.charts.coverage`
(contract coverage), :mod:`~tieredcare.viz.charts.forest` (paired differences),
:mod:`~tieredcare.viz.charts.sensitivity` (sensitivity indices) and
:mod:`~tieredcare.viz.charts.county` (the county map); what they share is in
:mod:`~tieredcare.viz.charts.common`.
"""

from tieredcare.viz.charts.county import county_map
from tieredcare.viz.charts.coverage import contract_coverage
from tieredcare.viz.charts.forest import paired_differences
from tieredcare.viz.charts.sensitivity import sensitivity_chart
from tieredcare.viz.charts.series import series_bands, time_series
from tieredcare.viz.charts.shares import tier_share_table, tier_shares

__all__ = [
    "contract_coverage",
    "county_map",
    "paired_differences",
    "sensitivity_chart",
    "series_bands",
    "tier_share_table",
    "tier_shares",
    "time_series",
]
