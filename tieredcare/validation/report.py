"""``report.md``: each study's published effect beside the model's, and why they differ.

The report cannot know why the model disagrees with a study; each study file says what the
model lacks for it (``known_limits``), and the report prints that text under every study
the model gets wrong. A study the model gets wrong stays in the table, marked.
"""

from __future__ import annotations

import math

import pandas as pd

from tieredcare.validation.judge import DIRECTION_WORDS
from tieredcare.validation.studies import UNIT_WORDS, Study

UNIT_SIGNS = {"pp": " pp", "percent": " %", "absolute": ""}


def signed(value: float, unit: str) -> str:
    """A value with its sign (a true minus) and the unit's sign: '−23.9 %', '+3.5 pp'."""
    if not math.isfinite(value):
        return "n/a"
    digits = ".3g" if unit == "absolute" else ".1f"
    text = f"{value:+{digits}}".replace("-", "\u2212")
    return text + UNIT_SIGNS[unit]


def effect_text(value: float, low: float, high: float, unit: str) -> str:
    """'−23.9 % [−47.6, −0.2]'."""
    ends = ", ".join(signed(v, unit).removesuffix(UNIT_SIGNS[unit]) for v in (low, high))
    return f"{signed(value, unit)} [{ends}]"


def yes_no(value: object) -> str:
    """'yes', '**no**' (marked) or 'n/a' (not judged)."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return "yes" if bool(value) else "**no**"


def summary_counts(table: pd.DataFrame) -> dict[str, int]:
    """How many comparisons agree in direction, and in size where sizes compare."""
    sized = table[table["size_comparable"]]
    return {"comparisons": len(table),
            "direction_agrees": int(table["direction_agrees"].sum()),
            "size_compared": len(sized),
            "within_interval": int(sized["within_interval"].fillna(False).sum()),
            "intervals_overlap": int(sized["intervals_overlap"].fillna(False).sum())}


def summary_sentence(table: pd.DataFrame) -> str:
    """The outcome in one sentence."""
    n = summary_counts(table)
    publications = table["citation"].nunique()
    return (f"Of {n['comparisons']} comparisons from {publications} publications, the model "
            f"agrees in direction with {n['direction_agrees']}; of the {n['size_compared']} "
            f"whose size can be compared, {n['within_interval']} fall within the published "
            f"95 % interval and {n['intervals_overlap']} have overlapping intervals.")


def markdown_report(studies: list[Study], table: pd.DataFrame, runs: dict[str, str],
                    command: list[str] | None = None) -> str:
    """The whole report.

    Args:
        studies: The studies, in the table's order.
        table: ``validation.parquet``.
        runs: Study id → its comparison folder, relative to the report.
        command: The command line that made it.

    Returns:
        Markdown text.
    """
    rows = table.set_index("study")
    replicates = int(table["replicates"].min()) if len(table) else 0
    lines = ["# Published effects and the model's", ""]
    if command:
        lines += [f"Made by `{' '.join(command)}`.", ""]
    lines += [f"Each study is a pair of scenarios run with the same {replicates} seeds "
              "(common random numbers); the model's effect is the mean paired difference "
              "policy − baseline with its 95 % t-interval, in the study's unit (pp: "
              "percentage points; %: change relative to the baseline).", "",
              f"**{summary_sentence(table)}**", "",
              _table(studies, rows), ""]
    wrong = [s for s in studies if not rows.loc[s.spec.id, "agrees"]]
    if wrong:
        lines += ["## Where the model differs, and why", ""]
        for study in wrong:
            lines += [f"### {study.spec.label}", "", _verdict(rows.loc[study.spec.id]), "",
                      study.spec.known_limits.strip() or "(The study file gives no reason.)",
                      ""]
    lines += ["## The studies", ""]
    for study in studies:
        lines += _study_section(study, rows.loc[study.spec.id], runs[study.spec.id])
    return "\n".join(lines).rstrip() + "\n"


def _table(studies: list[Study], rows: pd.DataFrame) -> str:
    lines = ["| study | design | outcome (indicator) | published effect | model effect "
             "(95 % CI) | direction agrees | within published interval |",
             "|---|---|---|---|---|---|---|"]
    for study in studies:
        spec, r = study.spec, rows.loc[study.spec.id]
        published = effect_text(r["published_value"], r["published_low"],
                                r["published_high"], r["unit"])
        if r["interval_source"] != "reported":
            published += " †"
        within = yes_no(r["within_interval"]) if r["size_comparable"] else \
            "n/a (direction only)"
        model = effect_text(r["model_effect"], r["model_low"], r["model_high"], r["unit"])
        lines.append(f"| {spec.label} | {spec.design} | {spec.outcome} (`{spec.indicator}`) "
                     f"| {published} | {model} | {yes_no(r['direction_agrees'])} "
                     f"| {within} |")
    lines += ["", "†: interval computed from the published p-value or standard error (see "
              "the study below)."]
    return "\n".join(lines)


def _verdict(r: pd.Series) -> str:
    published = DIRECTION_WORDS[int(r["published_direction"])]
    model = DIRECTION_WORDS[int(r["model_direction"])]
    size = ""
    if r["size_comparable"] and yes_no(r["within_interval"]) == "**no**":
        interval = effect_text(r["published_value"], r["published_low"], r["published_high"],
                               r["unit"])
        size = (f"; the model's {signed(r['model_effect'], r['unit'])} lies outside the "
                f"published interval {interval}")
    return f"Published: {published}; model: {model}{size}."


def _study_section(study: Study, r: pd.Series, runs: str) -> list[str]:
    spec, pub = study.spec, study.spec.published
    model = effect_text(r["model_effect"], r["model_low"], r["model_high"], r["unit"])
    link = f"[doi:{spec.doi}](https://doi.org/{spec.doi})" if spec.doi else spec.url
    interval = {"reported": "as published", "from p-value": "computed from the published "
                "p-value", "from standard error": "computed from the published standard "
                "error"}[pub.interval]
    lines = [f"### {spec.label}", "",
             f"- **Citation**: {spec.citation} {link} ({spec.url})",
             f"- **Design**: {spec.design}. **Population**: {spec.population}. "
             f"**Setting**: {spec.setting}.",
             f"- **Intervention**: {spec.intervention}",
             f"- **Outcome**: {spec.outcome}; model indicator `{spec.indicator}` in "
             f"{UNIT_WORDS[pub.unit]}.",
             f"- **Published** ({spec.source}): “{pub.reported}”. Interval {interval}."]
    if pub.conversion:
        lines.append(f"- **Conversion**: {pub.conversion.strip()}")
    if not pub.size_comparable:
        lines.append("- Only the direction is compared: the published size cannot be put "
                     "in the model's unit.")
    lines += [f"- **Scenario pair**: `{study.baseline.path}` (baseline) and "
              f"`{study.policy.path}` (policy). {spec.mapping.strip()}",
              f"- **Model**: baseline {r['baseline_mean']:.4g}, policy {r['policy_mean']:.4g}, "
              f"effect {model} over {int(r['replicates'])} paired replicates; runs in "
              f"`{runs}/`.", ""]
    return lines
