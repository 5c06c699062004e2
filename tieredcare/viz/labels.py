"""Chart words in English and Chinese: indicators, tiers, levers, units and phrases.

Chinese labels use the reform documents' own terms (县域内就诊率, 基层就诊率, 家庭医生签约率,
村卫生室 … 省级医院, 门诊/住院, 转诊, 基线, 目标). Indicator names are the same as in
:mod:`tieredcare.metrics` and the Parquet columns; only their display text is translated.
"""

from __future__ import annotations

import re
from functools import cache

import tieredcare.groups as groups_module
from tieredcare.metrics import INDICATORS
from tieredcare.tiers import TIERS

LANGS = ("en", "zh")
"""Languages charts and reports are drawn in."""

COUNTY_RETENTION_TARGET = 0.90
"""National target of the county retention rate (县域内就诊率 90 %)."""

TIER_LABELS: dict[str, dict[str, str]] = {
    "en": {"village": "Village clinic", "township": "Township health centre",
           "county": "County hospital", "city": "City hospital",
           "province": "Provincial hospital"},
    "zh": {"village": "村卫生室", "township": "乡镇卫生院", "county": "县级医院",
           "city": "市级医院", "province": "省级医院"},
}

DIMENSION_LABELS: dict[str, tuple[str, str]] = {
    "all": ("Whole county", "全县"),
    "income": ("Income group", "收入组"),
    "age": ("Age group", "年龄组"),
    "age_45_plus": ("Age 45+", "是否45岁及以上"),
    "scheme": ("Insurance scheme", "医保类型"),
    "chronic": ("Chronic condition", "慢性病"),
    "township": ("Home township", "所在乡镇"),
    "distance": ("Travel time to the township centre", "到乡镇卫生院的路程时间"),
    "severity": ("Episode severity", "病情严重程度"),
}
"""Display names of the dimensions of ``groups.parquet`` (English, Chinese)."""

GROUP_LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "all": {"all": ("Whole county", "全县")},
    "income": {"low": ("Low income", "低收入"), "middle": ("Middle income", "中等收入"),
               "high": ("High income", "高收入")},
    "age": {"0-14": ("0–14", "0–14岁"), "15-44": ("15–44", "15–44岁"),
            "45-64": ("45–64", "45–64岁"), "65+": ("65+", "65岁及以上")},
    "age_45_plus": {"under 45": ("Under 45", "45岁以下"), "45+": ("45+", "45岁及以上")},
    "scheme": {"resident": ("Residents' scheme", "城乡居民医保"),
               "employee": ("Employees' scheme", "职工医保")},
    "chronic": {"not chronic": ("No chronic condition", "非慢性病患者"),
                "chronic": ("Chronic patients", "慢性病患者")},
    "distance": {"<15 min": ("< 15 min", "15分钟以内"), "15-30 min": ("15–30 min", "15–30分钟"),
                 "30-45 min": ("30–45 min", "30–45分钟"),
                 "45+ min": ("45+ min", "45分钟及以上")},
    "severity": {"1": ("1 minor", "1 轻症"), "2": ("2 moderate", "2 中度"),
                 "3": ("3 serious", "3 重症"), "4": ("4 critical", "4 危重")},
}
"""Display names of the groups of each dimension, in the dimension's natural order
(townships keep their ids)."""

_INDICATOR_ZH = {
    "county_retention": "县域内就诊率",
    "inpatient_county_retention": "住院县域内就诊率",
    "primary_share": "基层就诊率",
    "visits_per_capita": "人均门诊人次",
    "primary_visits_per_capita": "人均基层门诊人次",
    "hospital_visits_per_capita": "人均医院门诊人次",
    "admissions_per_100": "每百人住院人次",
    "contract_coverage": "家庭医生签约率",
    "contract_coverage_elderly": "家庭医生签约率（65岁及以上）",
    "contract_coverage_chronic": "家庭医生签约率（慢性病患者）",
    "referrals_up": "上转人次",
    "referrals_down": "下转人次",
    "unreferred_hospital_share": "未经转诊在医院就诊比例",
    "oop_per_episode": "次均自付费用",
    "catastrophic_share": "灾难性卫生支出比例",
    "unmet_need": "未满足就医需求比例",
    "forgone_care": "未就医比例",
    "self_treatment": "自我医疗比例",
    "illness_not_seen": "患病未就诊比例",
    "admission_not_taken": "应住院未住院比例",
    "bypass_45_plus": "45岁及以上越级就诊比例",
    "travel_minutes_per_contact": "每次就诊单程时间",
    "concentration_primary_use": "基层服务利用集中指数",
    "concentration_hospital_use": "医院服务利用集中指数",
    "mean_wait": "平均等候时间",
    "mean_outpatient_wait_hours": "门诊平均候诊时间",
}
_INDICATOR_EN = {
    "county_retention": "County retention",
    "inpatient_county_retention": "Inpatient county retention",
    "primary_share": "Primary-care share of visits",
    "contract_coverage": "Family-doctor coverage",
    "contract_coverage_elderly": "Family-doctor coverage, 65+",
    "contract_coverage_chronic": "Family-doctor coverage, chronic",
    "unreferred_hospital_share": "Hospital use without referral",
    "oop_per_episode": "Out-of-pocket cost per episode",
    "unmet_need": "Unmet need",
    "forgone_care": "Care forgone",
    "self_treatment": "Self-treatment",
    "illness_not_seen": "Illness not seen by a doctor",
    "admission_not_taken": "Admission needed, not taken",
    "bypass_45_plus": "Residents 45+ bypassing primary care",
    "travel_minutes_per_contact": "One-way travel time per contact",
    "concentration_primary_use": "Concentration index of primary-care use",
    "concentration_hospital_use": "Concentration index of hospital use",
    "mean_wait": "Mean wait",
    "mean_outpatient_wait_hours": "Mean wait for a doctor",
}
_PER_TIER_ZH = {
    "visit_share": "{tier}门诊占比", "admission_share": "{tier}住院占比",
    "fund_spend": "{tier}医保基金支出", "mean_wait": "{tier}平均等候时间",
    "p90_wait": "{tier}等候时间（第90百分位）", "outpatient_utilisation": "{tier}门诊号源使用率",
    "bed_occupancy": "{tier}病床使用率", "perceived_quality": "{tier}感知质量",
    "treated_share": "{tier}诊治病例占比",
    "mean_outpatient_wait_hours": "{tier}门诊平均候诊时间",
    "mean_admission_wait_days": "{tier}平均候床时间",
}
_PER_TIER_EN = {
    "visit_share": "{tier} share of visits", "admission_share": "{tier} share of admissions",
    "fund_spend": "Insurance fund spend, {tier}", "mean_wait": "Mean wait, {tier}",
    "p90_wait": "90th-percentile wait, {tier}",
    "outpatient_utilisation": "Outpatient utilisation, {tier}",
    "bed_occupancy": "Bed occupancy, {tier}",
    "perceived_quality": "Perceived quality, {tier}",
    "treated_share": "{tier} share of treated episodes",
    "mean_outpatient_wait_hours": "Mean wait for a doctor, {tier}",
    "mean_admission_wait_days": "Mean wait for a bed, {tier}",
}
_PER_TIER = re.compile(r"^(?P<kind>[a-z0-9_]+?)_(?P<tier>" + "|".join(TIERS) + r")$")

_UNITS = {
    "share": {"en": "%", "zh": "%"},
    "visits per resident-year": {"en": "visits per resident per year", "zh": "次/人·年"},
    "admissions per 100 residents-year": {"en": "per 100 residents per year",
                                          "zh": "人次/百人·年"},
    "per 1,000 residents-year": {"en": "per 1,000 residents per year", "zh": "人次/千人·年"},
    "CNY": {"en": "CNY", "zh": "元"},
    "CNY per resident-year": {"en": "CNY per resident per year", "zh": "元/人·年"},
    "days": {"en": "days", "zh": "天"},
    "minutes": {"en": "minutes", "zh": "分钟"},
    "hours": {"en": "hours", "zh": "小时"},
    "index 0–1": {"en": "0–1", "zh": "0–1"},
    "index −1…1": {"en": "−1 to 1", "zh": "−1至1"},
}
_GROUP_ONLY_UNITS = {"mean_wait": "days", "mean_outpatient_wait_hours": "hours",
                     **{f"treated_share_{t}": "share" for t in TIERS}}
"""Units of indicators that exist only by group (``groups.parquet``), not county-wide."""

PHRASES: dict[str, dict[str, str]] = {
    "target": {"en": "target {value:.0f} %", "zh": "目标 {value:.0f}%"},
    "source": {"en": "Source", "zh": "来源"},
    "baseline": {"en": "baseline", "zh": "基线"},
    "day": {"en": "Day of the reported period", "zh": "报告期内天数（天）"},
    "policy_on": {"en": "policy on (day {day})", "zh": "政策实施（第{day}天）"},
    "policy_off": {"en": "policy off (day {day})", "zh": "政策结束（第{day}天）"},
    "visits": {"en": "Outpatient visits", "zh": "门诊"},
    "admissions": {"en": "Admissions", "zh": "住院"},
    "share_axis": {"en": "Share (%)", "zh": "占比（%）"},
    "scenario": {"en": "Scenario", "zh": "情景"},
    "tier_shares_title": {"en": "Where patients are treated: visits and admissions by tier",
                          "zh": "患者在哪里就诊：各级医疗机构门诊与住院占比"},
    "lever_difference_title": {"en": "{lever}: paired difference from design point {point}",
                               "zh": "{lever}：与设计点{point}相比的配对差值"},
    "lever_title": {"en": "{lever}: effect on {indicators}",
                    "zh": "{lever}对{indicators}的影响"},
    "and": {"en": " and ", "zh": "和"},
    "band_ci": {"en": "95 % CI over replicates", "zh": "95%置信区间"},
    "band_members": {"en": "95 % interval over ensemble\nmembers and seeds",
                     "zh": "参数集合成员与随机种子\n的95%区间"},
    "band_seeds_only": {"en": "95 % CI over seeds only", "zh": "仅随机种子的95%置信区间"},
    "design_points": {"en": "design point (other\nlevers vary too)",
                      "zh": "设计点（其他杠杆\n同时变化）"},
    "band_p10_p90": {"en": "10–90 % of replicates", "zh": "重复模拟10%–90%区间"},
    "time_title_month": {"en": "{indicators} over time (30-day means)",
                         "zh": "{indicators}变化趋势（30天均值）"},
    "time_title_day": {"en": "{indicators} over time (daily)",
                       "zh": "{indicators}变化趋势（每日）"},
    "difference_title": {"en": "Change from {baseline} (paired difference, 95 % CI)",
                         "zh": "与{baseline}相比的变化（配对差值，95%置信区间）"},
    "baseline_the": {"en": "the baseline", "zh": "基线"},
    "baseline_named": {"en": "baseline '{name}'", "zh": "基线（{name}）"},
    "difference_pp": {"en": "Difference (percentage points)", "zh": "差值（百分点）"},
    "difference_unit": {"en": "Difference ({unit})", "zh": "差值（{unit}）"},
    "sensitivity_title": {"en": "Which lever matters most for {indicator}?",
                          "zh": "哪项政策杠杆对{indicator}影响最大？"},
    "sobol_axis": {"en": "Sobol index (share of variance)", "zh": "Sobol指数（方差贡献占比）"},
    "morris_axis": {"en": "Morris μ* (mean absolute effect)", "zh": "Morris μ*（平均绝对效应）"},
    "ST": {"en": "total effect ST", "zh": "总效应指数 ST"},
    "S1": {"en": "first-order S1", "zh": "一阶效应指数 S1"},
    "mu_star": {"en": "μ*", "zh": "μ*"},
    "map_title": {"en": "The county: facilities by tier, volumes and patients treated "
                        "out of the county",
                  "zh": "县域地图：各级医疗机构、服务量与县外就医流向"},
    "km_east": {"en": "East of the county seat (km)", "zh": "县城以东距离（公里）"},
    "km_north": {"en": "North of the county seat (km)", "zh": "县城以北距离（公里）"},
    "township_area": {"en": "Township home area", "zh": "乡镇辖区"},
    "flow_out": {"en": "Treated out of county (episodes, line width)",
                 "zh": "县外就医（人次，线宽）"},
    "volume_note": {"en": "marker area ∝ visits + admissions",
                    "zh": "标记面积与门诊和住院人次成正比"},
    "coverage_title": {"en": "Family-doctor contract coverage", "zh": "家庭医生签约率"},
    "coverage_all": {"en": "All residents", "zh": "全体居民"},
    "coverage_elderly": {"en": "Residents 65+", "zh": "65岁及以上老人"},
    "coverage_chronic": {"en": "Chronic patients", "zh": "慢性病患者"},
    "coverage_axis": {"en": "Contracted residents (%)", "zh": "签约居民占比（%）"},
    "replicates": {"en": "{n} replicates", "zh": "{n}次重复"},
    "replicate_one": {"en": "1 replicate", "zh": "1次重复"},
    "run_one": {"en": "1 run", "zh": "1次模拟"},
    "seed": {"en": "seed {seed}", "zh": "随机种子 {seed}"},
    "config": {"en": "config {hash}", "zh": "配置哈希 {hash}"},
    "sweep_points": {"en": "{points} design points × {replicates}",
                     "zh": "{points}个设计点 × {replicates}"},
    "sweep_hash": {"en": "sweep {hash}", "zh": "扫描哈希 {hash}"},
    "run_source": {"en": "tieredcare run '{name}'", "zh": "tieredcare 单次模拟“{name}”"},
    "compare_source": {"en": "tieredcare compare {names}", "zh": "tieredcare 情景比较 {names}"},
    "sweep_source": {"en": "tieredcare sweep '{name}'", "zh": "tieredcare 参数扫描“{name}”"},
    "calibration_source": {"en": "tieredcare calibrate '{name}'",
                           "zh": "tieredcare 参数校准“{name}”"},
    "trials": {"en": "{n} trials", "zh": "{n}次试验"},
    "members": {"en": "{n} ensemble members", "zh": "{n}个集合成员"},
    "fit_title": {"en": "Fit to the targets: each target's interval, the best trial and the "
                        "ensemble", "zh": "校准拟合：各目标区间、最优试验与参数集合"},
    "fit_axis": {"en": "Standardised distance from the target: (model − target) / target sd",
                 "zh": "与目标的标准化距离：（模型 − 目标）/ 目标标准差"},
    "fit_interval": {"en": "Target interval (±2 sd)", "zh": "目标区间（±2个标准差）"},
    "fit_best": {"en": "Best trial (mean ± replicate sd)", "zh": "最优试验（均值 ± 重复间标准差）"},
    "fit_ensemble": {"en": "Ensemble, 95 % range of members", "zh": "参数集合成员的95%范围"},
    "history_title": {"en": "Search history: loss of each trial and the best so far",
                      "zh": "搜索过程：各次试验的损失与当前最优"},
    "history_trial": {"en": "Trial", "zh": "试验"},
    "history_loss": {"en": "Loss (Gaussian negative log-likelihood)",
                     "zh": "损失（高斯负对数似然）"},
    "history_each": {"en": "Trial", "zh": "单次试验"},
    "history_best": {"en": "Best so far", "zh": "当前最优"},
    "pairs_title": {"en": "Ensemble: parameter values of the members (ABC-SMC posterior)",
                    "zh": "参数集合：各成员的参数取值（ABC-SMC后验）"},
    "ensemble_bands": {"en": "Thin bar: 95 % interval over ensemble members (parameter and "
                             "seed uncertainty); thick bar: seeds only",
                       "zh": "细线：参数集合成员的95%区间（参数与随机不确定性）；粗线：仅随机种子"},
    "git": {"en": "git {commit}", "zh": "git {commit}"},
    "equity_title": {"en": "Equity by {dimension}: who goes without care, who pays",
                     "zh": "不同{dimension}的公平性：谁未就医，谁负担重"},
    "county_total": {"en": "Whole county", "zh": "全县"},
    "county_total_baseline": {"en": "Whole county, baseline", "zh": "全县（基线）"},
    "paired_interval": {"en": "95 % interval of the paired difference scenario − baseline "
                              "({n}, same seeds), drawn around the scenario's mean",
                        "zh": "情景与基线配对差值的95%置信区间（{n}，相同随机种子），"
                              "以情景均值为中心"},
    "difference_numbers": {"en": "{example} on a scenario's bar: its difference from the "
                                 "baseline (percentage points for shares); *: the "
                                 "interval excludes 0",
                           "zh": "情景柱上的{example}：与基线的差值（比例为百分点）；"
                                 "*：置信区间不含0"},
    "severity_title": {"en": "Where each severity is treated: treated episodes by tier",
                       "zh": "不同严重程度的病例在哪里诊治：各级医疗机构诊治病例占比"},
    "treated_axis": {"en": "Share of treated episodes (%)", "zh": "诊治病例占比（%）"},
    "treated_n": {"en": "{n} treated", "zh": "{n}例"},
    "validation_title": {"en": "Published effects and the model's (95 % intervals)",
                         "zh": "已发表研究的政策效应与模型结果（95%置信区间）"},
    "published_effect": {"en": "published", "zh": "已发表研究"},
    "model_effect": {"en": "model, agrees", "zh": "模型（一致）"},
    "model_effect_differs": {"en": "model, differs", "zh": "模型（不一致）"},
    "effect_pp": {"en": "Effect (percentage points)", "zh": "效应（百分点）"},
    "effect_percent": {"en": "Effect (% change from the comparison group)",
                       "zh": "效应（相对对照组变化，%）"},
    "effect_absolute": {"en": "Effect (indicator's unit)", "zh": "效应（指标单位）"},
    "effect_direction": {"en": "Direction only (each interval scaled to its own size)",
                         "zh": "仅比较方向（各区间按自身大小缩放）"},
}

_LEVERS: list[tuple[re.Pattern[str], str, str]] = [
    (re.compile(rf"policy\.reimbursement\.{care}\.(?P<tier>\w+)\.ratio$"),
     f"{care.capitalize()} reimbursement ratio, {{tier}}", f"{zh}报销比例（{{tier}}）")
    for care, zh in (("inpatient", "住院"), ("outpatient", "门诊"))
] + [
    (re.compile(rf"policy\.reimbursement\.{care}\.(?P<tier>\w+)\.deductible$"),
     f"{care.capitalize()} deductible, {{tier}}", f"{zh}起付线（{{tier}}）")
    for care, zh in (("inpatient", "住院"), ("outpatient", "门诊"))
] + [
    (re.compile(r"policy\.referral_incentives\.non_referral_penalty_(?P<care>\w+)\.(?P<tier>\w+)$"),
     "Non-referral penalty, {care}, {tier}", "未按转诊程序就医降低比例（{care}，{tier}）"),
    (re.compile(r"policy\.reserved_slots\.(?P<tier>\w+)$"), "Reserved slots, {tier}",
     "预留号源比例（{tier}）"),
    (re.compile(r"policy\.family_doctor\.signup_probability\.(?P<group>\w+)$"),
     "Signup probability, {group}", "签约意愿（{group}）"),
    (re.compile(r"world\.facilities\.(?P<tier>\w+)\.outpatient_slots_per_1000$"),
     "Outpatient slots per 1,000 residents, {tier}", "每千人门诊号源（{tier}）"),
    (re.compile(r"world\.facilities\.(?P<tier>\w+)\.beds_per_1000$"),
     "Beds per 1,000 residents, {tier}", "每千人床位（{tier}）"),
    (re.compile(r"policy\.capacity\.bed_scale\.(?P<tier>\w+)$"),
     "Beds relative to the map, {tier}", "床位规模系数（{tier}）"),
    (re.compile(r"policy\.capacity\.slot_scale\.(?P<tier>\w+)$"),
     "Outpatient slots relative to the map, {tier}", "门诊号源规模系数（{tier}）"),
]
_LEVER_NAMES = {
    "policy.family_doctor.gatekeeping.adherence": ("Gatekeeping adherence", "基层首诊依从率"),
    "policy.family_doctor.team_capacity": ("Residents per family-doctor team",
                                           "家庭医生团队签约容量"),
    "policy.family_doctor.teams_per_township": ("Family-doctor teams per township",
                                                "每乡镇家庭医生团队数"),
    "policy.family_doctor.campaign.intensity": ("Signup campaign intensity", "签约推广力度"),
    "policy.family_doctor.renewal_probability": ("Contract renewal probability", "续约概率"),
    "policy.contract_bonus.ratio_points": ("Contract reimbursement bonus",
                                           "签约居民报销倾斜"),
    "policy.capitation.strength": ("Capitation strength", "按人头打包付费强度"),
    "policy.doctors_sent_down.doctors": ("Doctors sent down", "下派医师人数"),
    "policy.referral.down_referral_probability": ("Downward referral probability",
                                                  "下转概率"),
    "policy.telemedicine.enabled": ("Telemedicine", "远程医疗"),
    "policy.telemedicine.quality_gain": ("Telemedicine quality gain", "远程医疗质量提升"),
    "policy.telemedicine.capability_gain": ("Telemedicine capability gain",
                                            "远程医疗能力提升"),
    "policy.referral_incentives.cumulative_deductible": ("Cumulative deductible",
                                                         "累计起付线"),
    "policy.referral_incentives.no_deductible_after_down_referral": (
        "No deductible after downward referral", "下转不再收取起付线"),
    "policy.family_doctor.campaign.duration_days": ("Signup campaign length", "签约推广时长"),
    "policy.family_doctor.combination.enabled": ('"1+1+1" combination contracts',
                                                 "“1+1+1”组合签约"),
    "policy.family_doctor.gatekeeping.compulsory_for_reimbursement": (
        "No reimbursement at hospitals without a referral", "未经转诊在医院就诊不予报销"),
    "policy.doctors_sent_down.slots_per_doctor": ("Outpatient slots per doctor sent down",
                                                  "每名下派医师门诊号源"),
    "policy.county_services.add": ("Service lines opened at the people's hospital",
                                   "县人民医院新开诊疗科目"),
    "population.residents": ("Residents", "常住人口"),
    "seed": ("Seed", "随机种子"),
    "choice.cost": ("Cost sensitivity of patients", "患者费用敏感度"),
    "choice.travel": ("Travel-time sensitivity", "路程时间敏感度"),
    "choice.wait": ("Waiting-time sensitivity", "等候时间敏感度"),
    "scenario_file": ("Scenario", "情景"),
}
_GROUPS = {"elderly": ("65+", "65岁及以上"), "chronic": ("chronic", "慢性病患者"),
           "child": ("0–14", "0–14岁"), "adult": ("15–64", "15–64岁"),
           "disabled_poor": ("disabled and poor", "残疾和贫困人口"),
           "inpatient": ("inpatient", "住院"), "outpatient": ("outpatient", "门诊")}
_PARAMETER_UNITS_ZH = {
    "share 0–1": "比例 0–1", "probability": "概率", "ratio": "倍数", "ratio points": "比例点",
    "ratio points (1 = not reimbursed)": "比例点（1 = 不予报销）", "days": "天", "day": "天",
    "teams": "个团队", "residents per team": "人/团队", "doctors": "人",
    "visits per day": "人次/天", "quality index points": "质量指数点",
    "severity levels": "严重程度等级", "service lines": "诊疗科目", "yes/no": "是/否",
    "persons": "人", "integer": "整数", "CNY": "元", "CNY per visit or admission": "元/次",
}
"""Chinese units of the levers the explorer offers; other units are shown as written."""
_SHARE_WORDS = ("ratio", "adherence", "probability", "share", "intensity")
"""Last words of lever keys whose values are shares 0–1, shown as %."""


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
    computed from the group tables from :data:`tieredcare.groups.EXTRA_INDICATORS`, and
    indicators that exist only by group (``treated_share_<tier>``, ``mean_wait``) from
    here.
    """
    info = INDICATORS.get(indicator)
    if info is not None:
        return info.unit
    extra = getattr(groups_module, "EXTRA_INDICATORS", {}).get(indicator)
    if extra is not None:
        return str(extra[0])
    if indicator in _GROUP_ONLY_UNITS:
        return _GROUP_ONLY_UNITS[indicator]
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
    table = _INDICATOR_ZH if lang == "zh" else _INDICATOR_EN
    if indicator in table:
        return table[indicator]
    found = _PER_TIER.match(indicator)
    per_tier = _PER_TIER_ZH if lang == "zh" else _PER_TIER_EN
    if found and found["kind"] in per_tier:
        tier = tier_label(found["tier"], lang)
        text = per_tier[found["kind"]].format(tier=tier if lang == "zh" else tier.lower())
        return text[0].upper() + text[1:]
    info = INDICATORS.get(indicator)
    return info.label if info is not None else indicator


def indicator_unit(indicator: str, lang: str) -> str:
    """Display unit of an indicator ('%' for shares, '元' for CNY in Chinese, ...)."""
    unit = indicator_unit_key(indicator)
    return _UNITS.get(unit, {}).get(check_lang(lang), unit)


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
    return unit.startswith(("share", "probability")) or key.rsplit(".", 1)[-1] in _SHARE_WORDS


def parameter_label(key: str, lang: str) -> str:
    """Display name of a swept lever (a dotted scenario key); the key itself if unknown."""
    check_lang(lang)
    index = 1 if lang == "zh" else 0
    if key in _LEVER_NAMES:
        return _LEVER_NAMES[key][index]
    for pattern, en, zh in _LEVERS:
        found = pattern.match(key)
        if found:
            words = {k: _word(v, lang) for k, v in found.groupdict().items()}
            return (zh if lang == "zh" else en).format(**words)
    return key.removeprefix("policy.")


def parameter_unit(unit: str, lang: str) -> str:
    """A scenario field's unit as the schema writes it, or in Chinese ('比例 0–1')."""
    return _PARAMETER_UNITS_ZH.get(unit, unit) if check_lang(lang) == "zh" else unit


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
    if value in _GROUPS:
        return _GROUPS[value][1 if lang == "zh" else 0]
    return value
