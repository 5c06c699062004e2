"""File formats and resolutions of saved charts (no imports: the CLI reads them at start)."""

FORMATS = ("png", "svg", "pdf")
"""Formats charts can be saved in: PNG for slides and print, SVG and PDF as vectors."""
DEFAULT_DPI = 300
MIN_DPI = 200
"""Print resolution: PNGs below it look blurred on paper."""
