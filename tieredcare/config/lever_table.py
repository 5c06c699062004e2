"""The policy levers of the reform documents as one table: names, sections, seeds, controls.

This is the single definition behind the README's lever table (written by
:mod:`tieredcare.docs`) and the lever groups of the browser explorer
(:mod:`tieredcare.explore`). Units, ranges, defaults and sources of the values are not
repeated here: they live with each field in the schema.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SeedDocument:
    """A reform document the levers are taken from (``shared/seeds/<number>_*.txt``).

    Attributes:
        number: Its number, e.g. ``"000"``.
        en: What it is, in English.
        zh: Its Chinese title.
    """

    number: str
    en: str
    zh: str


SEED_DOCUMENTS = {doc.number: doc for doc in (
    SeedDocument("000", "Hulunbuir public-hospital reform plan (interpretation, 2018)",
                 "《呼伦贝尔市城市公立医院综合改革实施方案》解读（2018）"),
    SeedDocument("001", "Mengzi 2021 reform task list",
                 "蒙自市深化医药卫生体制改革2021年重点工作任务清单"),
    SeedDocument("002", "Langfang reform summary", "廊坊市深化医改工作总结"),
    SeedDocument("003", "Putuo district (Shanghai) reform plan 2016–2020",
                 "《普陀区深化医药卫生体制综合改革实施方案（2016—2020年）》"),
    SeedDocument("004", "plan for high-quality development of public hospitals",
                 "《关于推动公立医院高质量发展的实施方案》"),
)}
"""The seed documents by number."""


@dataclass(frozen=True)
class LeverRow:
    """One lever of the reform documents.

    Attributes:
        number: Its row number in the README table.
        en: Its name in English.
        zh: Its name in the documents' Chinese.
        sections: The YAML sections it sets (Markdown, as in the README).
        effect: What it does in the model.
        scenarios: The scenario files that switch it on against the baseline.
        seeds: Numbers of the seed documents it comes from.
        controls: Dotted scenario keys the explorer offers for it, in display order.
    """

    number: int
    en: str
    zh: str
    sections: str
    effect: str
    scenarios: tuple[str, ...]
    seeds: tuple[str, ...]
    controls: tuple[str, ...]


_TIERS_IN = ("township", "county", "city")
_TIERS_OUT = ("village", "township", "county", "city")

LEVER_TABLE: tuple[LeverRow, ...] = (
    LeverRow(1, "Differential reimbursement", "差别化报销", "`policy.reimbursement`",
             "ratio, deductible and per-contact cap by tier, inpatient and outpatient "
             "separately; annual caps; employee-scheme uplift",
             ("wider_gap.yaml",), ("000", "001"),
             tuple(f"policy.reimbursement.inpatient.{t}.ratio" for t in _TIERS_IN)
             + tuple(f"policy.reimbursement.outpatient.{t}.ratio" for t in _TIERS_OUT)),
    LeverRow(2, "Non-referral penalty", "未按转诊程序就医降低支付比例或不予支付",
             "`policy.referral_incentives.non_referral_penalty_{inpatient,outpatient}`",
             "ratio points removed at county/city/provincial hospitals for patients without "
             "a referral (1 = no reimbursement); emergencies exempt by default",
             ("non_referral_penalty.yaml",), ("000",),
             tuple(f"policy.referral_incentives.non_referral_penalty_{care}.{t}"
                   for care in ("inpatient", "outpatient") for t in ("county", "city"))),
    LeverRow(3, "Cumulative deductible, no deductible after downward referral",
             "累计起付线，下转不再收取起付线",
             "`policy.referral_incentives.cumulative_deductible`, "
             "`.no_deductible_after_down_referral`",
             "a patient referred up for admission pays only the deductible difference "
             "between the tiers; recovery stays after 下转 pay none",
             ("referral_deductibles.yaml",), ("000",),
             ("policy.referral_incentives.cumulative_deductible",
              "policy.referral_incentives.no_deductible_after_down_referral")),
    LeverRow(4, "Contract bonus", "签约居民医保支付倾斜", "`policy.contract_bonus.ratio_points`",
             "extra ratio points for contracted residents at the facilities their contract "
             "covers", ("contract_bonus.yaml",), ("003",),
             ("policy.contract_bonus.ratio_points",)),
    LeverRow(5, "Capitation", "按人头打包付费，结余留用", "`policy.capitation.strength`",
             "county hospitals treat episodes one severity level above their capability with "
             "this probability instead of referring out of county (and the community refers "
             "to them first); they send chronic follow-up down to the township centre with "
             "this probability", ("capitation.yaml",), ("000", "001", "003"),
             ("policy.capitation.strength",)),
    LeverRow(6, "Signup campaign", "家庭医生签约",
             "`policy.family_doctor.campaign` (+ `teams_per_township`, `team_capacity`)",
             "from `start_day` for `duration_days`, a share `intensity` of unsigned residents "
             "in `target_groups` (elderly, chronic, disabled_poor, everyone) sign, within "
             "team capacity", ("signup_campaign.yaml",), ("003",),
             ("policy.family_doctor.campaign.intensity",
              "policy.family_doctor.campaign.duration_days",
              "policy.family_doctor.teams_per_township", "policy.family_doctor.team_capacity")),
    LeverRow(7, '"1+1+1" combination contracts', "“1+1+1”组合签约",
             "`policy.family_doctor.combination.enabled`",
             "contracts also cover the people's hospital and the nearest city hospital: "
             "choice bonus, contract bonus and referrals go there",
             ("combination_contracts.yaml",), ("003",),
             ("policy.family_doctor.combination.enabled",)),
    LeverRow(8, "Gatekeeping", "基层首诊", "`policy.family_doctor.gatekeeping`",
             "share of contracted patients' episodes that start with the family doctor "
             "(`adherence`); optionally no reimbursement at hospitals without a referral",
             ("gatekeeping.yaml",), ("000", "003"),
             ("policy.family_doctor.gatekeeping.adherence",
              "policy.family_doctor.gatekeeping.compulsory_for_reimbursement")),
    LeverRow(9, "Reserved slots", "预留号源，优先接诊", "`policy.reserved_slots`",
             "share of county/city/provincial slots and free beds closed to patients without "
             "a referral (referred patients are always served first)",
             ("reserved_slots.yaml",), ("000", "003"),
             ("policy.reserved_slots.county", "policy.reserved_slots.city")),
    LeverRow(10, "Doctors sent down", "下派骨干医师，县管乡用", "`policy.doctors_sent_down`",
             "each doctor moves outpatient slots from the people's hospital to a township "
             "centre (farthest first) and raises its capability and quality",
             ("doctors_sent_down.yaml",), ("000",),
             ("policy.doctors_sent_down.doctors", "policy.doctors_sent_down.slots_per_doctor")),
    LeverRow(11, "Telemedicine", "远程医疗", "`policy.telemedicine`",
             "raises quality and capability (up to a limit) and adds remote specialist lines "
             "at village clinics and township centres",
             ("telemedicine.yaml",), ("000", "001", "004"),
             ("policy.telemedicine.enabled", "policy.telemedicine.quality_gain",
              "policy.telemedicine.capability_gain")),
    LeverRow(12, "County centres and specialty gaps", "五大中心，补短板",
             "`policy.county_services.add`",
             "opens service lines (stroke, chest pain, trauma, critical maternal/neonatal; "
             "rehabilitation, mental health, paediatrics, ophthalmology, dentistry) at the "
             "people's hospital", ("county_services.yaml",), ("001",),
             ("policy.county_services.add",)),
    LeverRow(13, "Bed caps, new beds and slots", "控制单体床位规模",
             "`policy.capacity.bed_scale`, `.slot_scale`",
             "beds and outpatient slots at each tier relative to the map",
             ("city_bed_cap.yaml", "new_township_beds.yaml"), ("000",),
             tuple(f"policy.capacity.{kind}.{t}" for kind in ("bed_scale", "slot_scale")
                   for t in _TIERS_IN)),
)
"""Every lever, in the README's order."""


def lever_markdown() -> str:
    """The README's lever table and the list of seed documents, as Markdown."""
    lines = ["| # | lever | YAML section | what it does in the model | scenario file | seed |",
             "|---|---|---|---|---|---|"]
    for row in LEVER_TABLE:
        files = ", ".join(f"`{name}`" for name in row.scenarios)
        lines.append(f"| {row.number} | {row.en} {row.zh} | {row.sections} | {row.effect} | "
                     f"{files} | {', '.join(row.seeds)} |")
    seeds = "; ".join(f"{doc.number} {doc.en}" for doc in SEED_DOCUMENTS.values())
    return "\n".join(lines) + f"\n\nSeed documents: {seeds}."
