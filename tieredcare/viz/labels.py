"""Chart words in English and Chinese: indicators, tiers, levers, units and phrases.

Chinese labels use the reform documents' own terms (县域内就诊率, 基层就诊率, 家庭医生签约率,
村卫生室 … 省级医院, 门诊/住院, 转诊, 基线, 目标). Indicator names are the same as in
:mod:`tieredcare.metrics` and the Parquet columns; only their display text is translated.
The tables these functions read are in :mod:`tieredcare.viz.label_tables` (display names)
and :mod:`tieredcare.viz.phrases` (chart phrases).
"""

from __future__ import annotations

from functools import cache

from tieredcare.group_summary import EXTRA_INDICATORS
from tieredcare.metrics import INDICATORS
from tieredcare.tiers import TIERS
from tieredcare.viz.label_tables import (
    DIMENSION_LABELS,
    GROUP_LABELS,
    GROUP_ONLY_UNITS,
    INDICATOR_EN,
    INDICATOR_ZH,
    LEVER_GROUPS,
    LEVER_NAMES,
    LEVER_PATTERNS,
    PARAMETER_UNITS_ZH,
    PER_TIER,
    PER_TIER_EN,
    PER_TIER_ZH,
    SHARE_WORDS,
    TIER_LABELS,
    UNITS,
)
from tieredcare.viz.phrases import PHRASES

LANGS = ("en", "zh")
"""Languages charts and reports are drawn in."""

COUNTY_RETENTION_TARGET = 0.90
"""National target of the county retention rate (县域内就诊率 90 %)."""


def check_lang(lang: str) -> str:
    """Return ``lang`` if it is a supported language.

    Raises:
        ValueError: For any other language.
    """
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; allowed: {', '.join(LANGS)}")
    return lang


def translate(table: dict[str, dict[str, str]], key: str, lang: str,
              **values: object) -> str:
    """Entry ``key`` of a bilingual phrase table in ``lang``, ``{placeholders}`` filled in."""
    return table[key][check_lang(lang)].format(**values)


def phrase(key: str, lang: str, **values: object) -> str:
    """A chart phrase in ``lang``, with ``{placeholders}`` filled in."""
    return translate(PHRASES, key, lang, **values)


def tier_label(tier: str, lang: str) -> str:
    """Display name of a tier: 'Township health centre' / '乡镇卫生院'."""
    return TIER_LABELS[check_lang(lang)].get(tier, tier)


def indicator_unit_key(indicator: str) -> str:
    """The stored unit of an indicator ('share', 'CNY', 'minutes', ...; '' if unknown).

    County-wide indicators take theirs from :data:`tieredcare.metrics.INDICATORS`, those
    computed from the group tables from :data:`tieredcare.group_summary.EXTRA_INDICATORS`,
    and indicators that exist only by group (``treated_share_<tier>``, ``mean_wait``) from
    here.
    """
    info = INDICATORS.get(indicator)
    if info is not None:
        return info.unit
    extra = EXTRA_INDICATORS.get(indicator)
    if extra is not None:
        return str(extra[0])
    if indicator in GROUP_ONLY_UNITS:
        return GROUP_ONLY_UNITS[indicator]
    return "days" if "wait" in indicator else ""


def is_share(indicator: str) -> bool:
    """Whether an indicator is a share 0–1 (drawn as %, differences in percentage points)."""
    return indicator_unit_key(indicator) == "share"


def dimension_label(dimension: str, lang: str) -> str:
    """Display name of a dimension of the group tables: 'Income group' / '收入组'."""
    names = DIMENSION_LABELS.get(dimension)
    return dimension if names is None else names[1 if check_lang(lang) == "zh" else 0]


def group_label(dimension: str, group: str, lang: str) -> str:
    """Display name of a group: ('income', 'low') → 'Low income' / '低收入'."""
    names = GROUP_LABELS.get(dimension, {}).get(str(group))
    return str(group) if names is None else names[1 if check_lang(lang) == "zh" else 0]


def group_order(dimension: str, groups: list[str]) -> list[str]:
    """Groups in their dimension's natural order (low → high, young → old, near → far).

    Groups without a known place (townships) follow in the order given.
    """
    known = list(GROUP_LABELS.get(dimension, {}))
    present = list(dict.fromkeys(str(g) for g in groups))
    return [g for g in known if g in present] + [g for g in present if g not in known]


def indicator_label(indicator: str, lang: str) -> str:
    """Display name of an indicator, e.g. 'County retention' / '县域内就诊率'."""
    check_lang(lang)
    table = INDICATOR_ZH if lang == "zh" else INDICATOR_EN
    if indicator in table:
        return table[indicator]
    found = PER_TIER.match(indicator)
    per_tier = PER_TIER_ZH if lang == "zh" else PER_TIER_EN
    if found and found["kind"] in per_tier:
        tier = tier_label(found["tier"], lang)
        text = per_tier[found["kind"]].format(tier=tier if lang == "zh" else tier.lower())
        return text[0].upper() + text[1:]
    info = INDICATORS.get(indicator)
    return info.label if info is not None else indicator


def indicator_unit(indicator: str, lang: str) -> str:
    """Display unit of an indicator ('%' for shares, '元' for CNY in Chinese, ...)."""
    unit = indicator_unit_key(indicator)
    return UNITS.get(unit, {}).get(check_lang(lang), unit)


def axis_label(indicator: str, lang: str) -> str:
    """Axis label with unit: 'County retention (%)' / '县域内就诊率（%）'."""
    unit = indicator_unit(indicator, lang)
    name = indicator_label(indicator, lang)
    if not unit:
        return name
    return f"{name}（{unit}）" if lang == "zh" else f"{name} ({unit})"


def display_scale(indicator: str) -> float:
    """Factor from stored values to drawn values: 100 for shares (drawn as %), else 1."""
    return 100.0 if is_share(indicator) else 1.0


def scenario_label(name: str, lang: str, baseline: str | None = None) -> str:
    """Display name of a scenario; the comparison's baseline is marked as such."""
    if baseline is not None and name == baseline:
        word = phrase("baseline", lang)
        return word if name == "baseline" else f"{name}（{word}）" if lang == "zh" \
            else f"{name} ({word})"
    return name


@cache
def _known_units() -> dict[str, str]:
    """Unit of each documented scenario key (from the README's parameter table)."""
    from tieredcare.docs import parameter_rows

    return {row["key"]: row["unit"] for row in parameter_rows()}


def parameter_is_share(key: str) -> bool:
    """Whether a lever's values are shares 0–1 (drawn as %)."""
    unit = _known_units().get(key, "")
    return unit.startswith(("share", "probability")) or key.rsplit(".", 1)[-1] in SHARE_WORDS


def parameter_label(key: str, lang: str) -> str:
    """Display name of a swept lever (a dotted scenario key); the key itself if unknown."""
    check_lang(lang)
    index = 1 if lang == "zh" else 0
    if key in LEVER_NAMES:
        return LEVER_NAMES[key][index]
    for pattern, en, zh in LEVER_PATTERNS:
        found = pattern.match(key)
        if found:
            words = {k: _word(v, lang) for k, v in found.groupdict().items()}
            return (zh if lang == "zh" else en).format(**words)
    return key.removeprefix("policy.")


def parameter_unit(unit: str, lang: str) -> str:
    """A scenario field's unit as the schema writes it, or in Chinese ('比例 0–1')."""
    return PARAMETER_UNITS_ZH.get(unit, unit) if check_lang(lang) == "zh" else unit


def parameter_axis_label(key: str, lang: str) -> str:
    """Axis label of a lever with its unit."""
    name = parameter_label(key, lang)
    if parameter_is_share(key):
        return f"{name}（%）" if lang == "zh" else f"{name} (%)"
    unit = _known_units().get(key, "")
    if not unit or key in ("scenario_file",):
        return name
    return f"{name}（{unit}）" if lang == "zh" else f"{name} ({unit})"


def _word(value: str, lang: str) -> str:
    """A tier or group name inside a lever label."""
    if value in TIERS:
        label = tier_label(value, lang)
        return label if lang == "zh" else label.lower()
    if value in LEVER_GROUPS:
        return LEVER_GROUPS[value][1 if lang == "zh" else 0]
    return value
