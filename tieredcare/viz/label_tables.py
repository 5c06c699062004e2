"""Display names in English and Chinese: tiers, dimensions, groups, indicators, units, levers.

Chinese labels use the reform documents' own terms (县域内就诊率, 基层就诊率, 家庭医生签约率,
村卫生室 … 省级医院). The functions of :mod:`tieredcare.viz.labels` read these tables.
"""

from __future__ import annotations

import re

from tieredcare.tiers import TIERS

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

INDICATOR_ZH = {
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

INDICATOR_EN = {
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

PER_TIER_ZH = {
    "visit_share": "{tier}门诊占比", "admission_share": "{tier}住院占比",
    "fund_spend": "{tier}医保基金支出", "mean_wait": "{tier}平均等候时间",
    "p90_wait": "{tier}等候时间（第90百分位）", "outpatient_utilisation": "{tier}门诊号源使用率",
    "bed_occupancy": "{tier}病床使用率", "perceived_quality": "{tier}感知质量",
    "treated_share": "{tier}诊治病例占比",
    "mean_outpatient_wait_hours": "{tier}门诊平均候诊时间",
    "mean_admission_wait_days": "{tier}平均候床时间",
}

PER_TIER_EN = {
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

PER_TIER = re.compile(r"^(?P<kind>[a-z0-9_]+?)_(?P<tier>" + "|".join(TIERS) + r")$")

UNITS = {
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

GROUP_ONLY_UNITS = {"mean_wait": "days", "mean_outpatient_wait_hours": "hours",
                    **{f"treated_share_{t}": "share" for t in TIERS}}
"""Units of indicators that exist only by group (``groups.parquet``), not county-wide."""

LEVER_PATTERNS: list[tuple[re.Pattern[str], str, str]] = [
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

LEVER_NAMES = {
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

LEVER_GROUPS = {"elderly": ("65+", "65岁及以上"), "chronic": ("chronic", "慢性病患者"),
           "child": ("0–14", "0–14岁"), "adult": ("15–64", "15–64岁"),
           "disabled_poor": ("disabled and poor", "残疾和贫困人口"),
           "inpatient": ("inpatient", "住院"), "outpatient": ("outpatient", "门诊")}

PARAMETER_UNITS_ZH = {
    "share 0–1": "比例 0–1", "probability": "概率", "ratio": "倍数", "ratio points": "比例点",
    "ratio points (1 = not reimbursed)": "比例点（1 = 不予报销）", "days": "天", "day": "天",
    "teams": "个团队", "residents per team": "人/团队", "doctors": "人",
    "visits per day": "人次/天", "quality index points": "质量指数点",
    "severity levels": "严重程度等级", "service lines": "诊疗科目", "yes/no": "是/否",
    "persons": "人", "integer": "整数", "CNY": "元", "CNY per visit or admission": "元/次",
}
"""Chinese units of the levers the explorer offers; other units are shown as written."""

SHARE_WORDS = ("ratio", "adherence", "probability", "share", "intensity")
"""Last words of lever keys whose values are shares 0–1, shown as %."""
