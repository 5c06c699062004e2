"""Names shared by every module: tiers, care types, episode types, service lines.

These tuples fix the order of every per-tier or per-line array in the package, so an
index means the same thing in the model, in Parquet columns and in chart labels.
"""

from __future__ import annotations

TIERS: tuple[str, ...] = ("village", "township", "county", "city", "province")
"""Facility tiers from village clinic (村卫生室) up to provincial hospital (省级医院)."""

VILLAGE, TOWNSHIP, COUNTY, CITY, PROVINCE = range(len(TIERS))
PRIMARY_TIERS = (VILLAGE, TOWNSHIP)
"""Primary care (基层): village clinics and township/community health centres."""
HOSPITAL_TIERS = (COUNTY, CITY, PROVINCE)

CARE_TYPES: tuple[str, ...] = ("outpatient", "inpatient")
OUTPATIENT, INPATIENT = 0, 1

EPISODE_TYPES: tuple[str, ...] = (
    "minor_acute", "chronic_follow_up", "moderate", "serious", "complex")
"""Episode types, in order; their severities are given by ``EPISODE_SEVERITY``."""
EPISODE_SEVERITY: tuple[int, ...] = (1, 1, 2, 3, 4)
MINOR_ACUTE, CHRONIC_FOLLOW_UP, MODERATE, SERIOUS, COMPLEX = range(len(EPISODE_TYPES))

SERVICE_LINES: tuple[str, ...] = (
    "general",
    "paediatrics",
    "mental_health",
    "ophthalmology",
    "dentistry",
    "rehabilitation",
    "stroke",
    "chest_pain",
    "trauma",
    "critical_maternal",
    "critical_neonatal",
)
"""Service lines. The last five are the county hospital's five centres (五大中心)."""
LINE_INDEX = {name: i for i, name in enumerate(SERVICE_LINES)}
GENERAL, PAEDIATRICS = LINE_INDEX["general"], LINE_INDEX["paediatrics"]
REHABILITATION = LINE_INDEX["rehabilitation"]

AGE_GROUPS: tuple[str, ...] = ("child", "adult", "elderly")
"""Age groups 0–14, 15–64 and 65+."""
CHILD, ADULT, ELDERLY = range(len(AGE_GROUPS))

AGE_BANDS: tuple[str, ...] = ("0-14", "15-44", "45-64", "65+")
"""Age bands of the group outputs: the age groups with adults split at 45, so indicators
can be reported for residents 45+ as in CHARLS (the China Health and Retirement
Longitudinal Study of adults aged 45 and over)."""
BAND_45_64 = 2

SCHEMES: tuple[str, ...] = ("resident", "employee")
"""Urban-rural resident insurance (城乡居民医保) and urban employee insurance (职工医保)."""

DAYS_PER_YEAR = 365
"""Days in a model year (rates per year are divided by it; caps and renewals are yearly)."""

INCOME_GROUPS: tuple[str, ...] = ("low", "middle", "high")
LOW_INCOME = 0

EMERGENCY_LINES = tuple(LINE_INDEX[n] for n in SERVICE_LINES[6:])
"""The five centres' lines: emergencies, exempt from referral rules when the policy says so."""
