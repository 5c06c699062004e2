"""A one-file briefing of a results folder: HTML with the charts embedded as PNG.

The report holds a title, the key numbers (for a comparison: the paired differences with
their 95 % intervals), every chart of the pack, what each scenario changes, and the
manifest's provenance (config hashes, seeds, versions, git commit, date, command), so a
reader can check where every number came from and run it again.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path
from typing import Any

import yaml

from tieredcare.atomic import atomic_write_text
from tieredcare.viz.canvas import MIN_DPI, figure_bytes
from tieredcare.viz.key_numbers import key_numbers
from tieredcare.viz.labels import check_lang, parameter_label, scenario_label
from tieredcare.viz.loaders import (
    CalibrationResults,
    CompareResults,
    Results,
    ResultsError,
    RunResults,
    SweepResults,
    load_results,
)
from tieredcare.viz.pack import draw_pack
from tieredcare.viz.report_html import CSS, details, esc, html_table, word

REPORT_DPI = MIN_DPI
"""Embedded charts at print resolution, no more: the file stays small enough to e-mail."""
PROVENANCE_KEYS = {
    "run": ("kind", "scenario", "seed", "config_hash", "source_file", "overrides", "created",
            "command", "git_commit", "wall_seconds"),
    "compare": ("kind", "baseline", "scenarios", "replicates", "root_seed", "seeds",
                "ensemble", "sources", "config_hashes", "created", "command", "git_commit"),
    "calibration": ("kind", "name", "targets_file", "scenario_file", "overrides", "trials",
                    "replicates", "seed", "ensemble", "updated", "command", "git_commit"),
    "sweep": ("kind", "name", "sweep_file", "sweep_hash", "design", "points", "replicates",
              "seed", "replicate_seeds", "ensemble", "created", "updated", "status", "counts",
              "command", "git_commit"),
}


# ----------------------------------------------------------------------------- scenarios


def scenarios_section(results: Results, lang: str) -> str:
    """What each scenario changes, when its levers switch on, and its resolved YAML."""
    if isinstance(results, RunResults):
        config = results.manifest.get("resolved_config") or {}
        described = {results.name: results.manifest.get("description", "")}
        levers = {results.name: results.manifest.get("levers", [])}
        configs = {results.name: config}
        sources = {results.name: results.manifest.get("source_file")}
    elif isinstance(results, CompareResults):
        described = results.descriptions()
        levers = results.manifest.get("levers") or {}
        configs = results.manifest.get("resolved_configs") or {}
        files = results.manifest.get("sources") or []
        sources = dict(zip(results.scenarios, files, strict=False))
    elif isinstance(results, CalibrationResults):
        from tieredcare.viz.calibration_report import targets_section

        return targets_section(results, lang)
    else:
        return _sweep_section(results, lang)
    rows = [(esc(scenario_label(name, lang, getattr(results, "baseline", None))),
             esc(text), esc(_lever_days(levers.get(name, []), lang)),
             f"<code>{esc(sources.get(name) or '–')}</code>")
            for name, text in described.items()]
    parts = [html_table([word("scenario", lang), word("description", lang), word("levers", lang),
                          word("file", lang)], rows, numeric=())]
    for name, config in configs.items():
        parts.append(details(word("resolved", lang, name=name),
                             yaml.safe_dump(config, allow_unicode=True, sort_keys=False)))
    return "".join(parts)


def _lever_days(levers: list[dict[str, Any]], lang: str) -> str:
    if not levers:
        return "–"
    items = []
    for lever in levers:
        day = lever.get("start_day")
        when = word("from_start", lang) if day is None else word("day", lang, day=day)
        items.append(f"{lever['lever']} ({when})")
    return "; ".join(items)


def _sweep_section(r: SweepResults, lang: str) -> str:
    m = r.manifest
    rows = [(esc(parameter_label(p, lang)), f"<code>{esc(p)}</code>",
             esc(m.get("parameters", {}).get(p, ""))) for p in r.parameters]
    text = f"<p>{esc(m.get('description', ''))}</p>" + html_table(
        [word("lever", lang), "key", "values"], rows, numeric=())
    if m.get("sweep_text"):
        text += details(word("sweep_file", lang), str(m["sweep_text"]))
    return text


# ----------------------------------------------------------------------------- provenance


def provenance_section(results: Results, lang: str) -> str:
    """Config hashes, seeds, versions, git commit, created date and command, as a table."""
    m = results.manifest
    rows = []
    for key in PROVENANCE_KEYS[results.kind]:
        value = m.get(key)
        if key == "created" and not value:
            value = word("file_date", lang, date=results.created)
        elif key == "command" and value:
            value = " ".join(str(v) for v in value) if isinstance(value, list) else value
        elif value is None or value == []:
            value = word("not_recorded", lang)
        rows.append((f"<code>{esc(key)}</code>", _provenance_value(value)))
    versions = m.get("versions") or {}
    rows.append(("<code>versions</code>",
                 esc(", ".join(f"{k} {v}" for k, v in versions.items()))))
    return html_table([word("field", lang), word("value", lang)], rows, numeric=())


def _provenance_value(value: Any) -> str:
    if isinstance(value, dict):
        return "<br>".join(f"{esc(k)}: <code>{esc(v)}</code>" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(f"<code>{esc(v)}</code>" for v in value)
    return f"<code>{esc(value)}</code>"


# ----------------------------------------------------------------------------- document


def charts_section(results: Results, lang: str, dpi: int = REPORT_DPI) -> str:
    """Every chart of the pack as an embedded PNG with a numbered caption."""
    figures = []
    for n, (chart, figure) in enumerate(draw_pack(results, lang), start=1):
        data = base64.b64encode(figure_bytes(figure, "png", dpi)).decode("ascii")
        caption = f"{word('figure', lang, n=n)}. {chart.title}"
        figures.append(f'<figure id="{esc(chart.name)}"><img alt="{esc(chart.title)}" '
                       f'src="data:image/png;base64,{data}"><figcaption>{esc(caption)}'
                       "</figcaption></figure>")
    return "\n".join(figures)


def build_report(results: Results, lang: str = "en") -> str:
    """The briefing of loaded results as one HTML document.

    Args:
        results: A loaded run, compare or sweep folder.
        lang: ``en`` or ``zh``.

    Returns:
        The HTML text.
    """
    check_lang(lang)
    title = word(f"title_{results.kind}", lang, name=results.name)
    version = (results.manifest.get("versions") or {}).get("tieredcare", "")
    sections = [
        ("key-numbers", word("key_numbers", lang), key_numbers(results, lang)),
        ("charts", word("charts", lang), charts_section(results, lang)),
        ("scenarios", word("scenarios", lang), scenarios_section(results, lang)),
        ("provenance", word("provenance", lang), provenance_section(results, lang)),
    ]
    body = "\n".join(f'<section id="{key}"><h2>{esc(head)}</h2>\n{content}</section>'
                     for key, head, content in sections)
    return (f'<!doctype html>\n<html lang="{"zh-CN" if lang == "zh" else "en"}">\n<head>'
            f'<meta charset="utf-8"><meta name="viewport" content="width=device-width">'
            f'{GENERATOR}'
            f"<title>{esc(title)}</title><style>{CSS}</style></head>\n<body>\n"
            f"<header><h1>{esc(title)}</h1>"
            f'<p class="meta">{esc(results.source_line(lang))}</p></header>\n{body}\n'
            f"<footer><p>{esc(word('footer', lang, version=version, folder=results.path))}"
            "</p></footer>\n</body>\n</html>\n")

GENERATOR = '<meta name="generator" content="tieredcare">'
"""Marks a briefing written by tieredcare, so ``--out`` replaces only such a file."""


def is_briefing(path: Path) -> bool:
    """Whether ``path`` is an HTML briefing written by tieredcare (its head says so)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(4096).decode("utf-8", errors="replace")
    except OSError:
        return False
    return GENERATOR in head


def default_report_path(folder: Path, lang: str) -> Path:
    """``<folder>/report.html`` (``report_zh.html`` in Chinese)."""
    return folder / ("report.html" if lang == "en" else f"report_{lang}.html")


def write_report(path: str | Path, *, lang: str = "en", out: str | Path | None = None) -> Path:
    """Write the HTML briefing of a results folder, atomically.

    Args:
        path: A run, compare or sweep folder.
        lang: ``en`` or ``zh``.
        out: The file to write (default :func:`default_report_path`).

    Returns:
        The file written.

    Raises:
        ResultsError: If ``path`` is not a results folder, or ``out`` exists and is not a
            briefing written by tieredcare.
    """
    results = load_results(path)
    target = Path(out) if out is not None else default_report_path(results.path, lang)
    if os.path.lexists(target) and (target.is_symlink() or not is_briefing(target)):
        raise ResultsError(f"--out {target}: exists and is not a briefing written by "
                           "tieredcare; it is never replaced (choose another --out)")
    atomic_write_text(target, build_report(results, lang))
    return target
