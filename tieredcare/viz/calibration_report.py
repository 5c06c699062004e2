"""The calibration sections of a briefing: the fit, the posterior, the targets file."""

from __future__ import annotations

import yaml

from tieredcare.viz.calibration import target_label
from tieredcare.viz.labels import parameter_label, translate
from tieredcare.viz.loaders import CalibrationResults
from tieredcare.viz.report_html import details, esc, html_table

WORDS = {
    "target": {"en": "Target", "zh": "目标"},
    "interval": {"en": "Interval", "zh": "区间"},
    "fitted": {"en": "Best trial", "zh": "最优试验"},
    "inside": {"en": "Inside", "zh": "在区间内"},
    "yes": {"en": "yes", "zh": "是"},
    "no": {"en": "no", "zh": "否"},
    "ensemble": {"en": "Ensemble (95 % range)", "zh": "参数集合（95%范围）"},
    "parameter": {"en": "Parameter", "zh": "参数"},
    "fit_note": {"en": "Best trial: mean ± sd over {n} replicates. Ensemble: the members' "
                       "simulated values (parameters: their values), ABC-SMC posterior.",
                 "zh": "最优试验：{n}次重复的均值 ± 标准差。参数集合：各成员的模拟值"
                       "（参数：其取值），ABC-SMC 后验。"},
    "targets_file": {"en": "Targets file", "zh": "目标文件"},
}


def _word(key: str, lang: str, **values: object) -> str:
    return translate(WORDS, key, lang, **values)


def _range(values) -> str:
    lo, mid, hi = values.quantile([0.025, 0.5, 0.975])
    return f"{mid:.4g} ({lo:.4g}–{hi:.4g})"


def fit_numbers(r: CalibrationResults, lang: str) -> str:
    """Per target: interval, best trial, inside or not, ensemble range; then parameters."""
    rows = []
    for t in r.fit.itertuples():
        column = f"{t.target}:simulated"
        ens = _range(r.ensemble[column]) if r.ensemble is not None and column in \
            r.ensemble else "–"
        rows.append((esc(target_label(t.target, lang)), f"{t.low:.4g}–{t.high:.4g}",
                     f"{t.fitted:.4g} ± {t.replicate_sd:.2g}",
                     _word("yes" if t.inside else "no", lang), esc(ens)))
    html = html_table([_word("target", lang), _word("interval", lang), _word("fitted", lang),
                       _word("inside", lang), _word("ensemble", lang)], rows, numeric=(1, 2, 4))
    if r.ensemble is not None:
        rows = [(esc(parameter_label(k, lang)), f"<code>{esc(k)}</code>",
                 esc(_range(r.ensemble[k]))) for k in r.parameters if k in r.ensemble]
        html += html_table([_word("parameter", lang), "key", _word("ensemble", lang)], rows,
                           numeric=(2,))
    n = r.manifest.get("replicates", "?")
    return html + f'<p class="note">{esc(_word("fit_note", lang, n=n))}</p>'


def targets_section(r: CalibrationResults, lang: str) -> str:
    """The targets file as the calibration read it."""
    spec = r.manifest.get("targets") or {}
    return (f"<p>{esc(spec.get('description', ''))}</p>" +
            details(_word("targets_file", lang),
                    yaml.safe_dump(spec, allow_unicode=True, sort_keys=False)))
