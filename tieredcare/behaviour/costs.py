"""Out-of-pocket cost under the reimbursement rules (差别化报销 and its companion levers).

One rule, :func:`out_of_pocket`, serves both the patient's expectation when choosing a
facility and the charge when care is given: the insurer pays ``ratio`` of the cost above
the ``deductible``, up to the per-contact cap and what remains of the resident's annual
cap; the patient pays the rest.

Which ratio and deductible apply depends on the facility's tier and on the patient:
insurance scheme, care type, severity, whether the patient is exempt from the
non-referral penalty (holds a referral, or is an exempt emergency), and whether the
facility is one the patient is contracted with. :class:`CostRules` holds the resulting
tables, one row per kind of patient (:func:`tariff_code`) and one column per facility,
so the daily loop looks prices up instead of recomputing them.

In a prefecture a county may keep its own insurance rules; :class:`Tariffs` holds the
tables of each distinct set of rules in force and says whose rules each village's
residents pay by (their home county's, wherever they are treated).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from tieredcare.config.policy import Policy
from tieredcare.config.service import Costs
from tieredcare.tiers import COUNTY, INPATIENT, OUTPATIENT, SCHEMES, TIERS

EMPLOYEE_RATIO_CEILING = 0.95
"""Highest ratio the employee uplift may reach (assumption: schemes keep a co-payment)."""

N_SEVERITIES = 5
NOT_CONTRACTED, CONTRACTED_ELSEWHERE, CONTRACTED_HERE = 0, 1, 2
"""The patient's contract relative to a facility."""
_DIMS = (len(SCHEMES), N_SEVERITIES, 2, 2, 3)  # scheme, severity, exempt, care, contract
CHARGES = 2 * 3
"""Rows per kind of patient: care type charged × contract status (the last two dims)."""


def patient_code(
    scheme: np.ndarray | int,
    severity: np.ndarray | int,
    exempt: np.ndarray | int | bool,
) -> np.ndarray:
    """First row of a kind of patient in the :class:`CostRules` tables.

    The patient's rows follow in the order of :func:`charge_code`, so the row for a
    particular facility is ``patient_code(...) + charge_code(care, contract)``: the part that
    is the same at every candidate facility is computed once per patient.

    Args:
        scheme: Insurance scheme (0 resident, 1 employee).
        severity: Episode severity 0–4.
        exempt: Exempt from the non-referral penalty (referred, or an exempt emergency).
    """
    return ((np.asarray(scheme, dtype=np.int64) * N_SEVERITIES + severity) * 2
            + exempt) * CHARGES


def charge_code(care: np.ndarray | int, contract: np.ndarray | int) -> np.ndarray:
    """Offset of the care type charged and the contract status within a patient's rows.

    Args:
        care: Care type charged (0 outpatient, 1 inpatient).
        contract: ``NOT_CONTRACTED``, ``CONTRACTED_ELSEWHERE`` or ``CONTRACTED_HERE``.
    """
    return care * 3 + contract


def tariff_code(
    scheme: np.ndarray | int,
    care: np.ndarray | int,
    severity: np.ndarray | int,
    exempt: np.ndarray | int | bool,
    contract: np.ndarray | int,
) -> np.ndarray:
    """Row of a kind of patient in the :class:`CostRules` tables.

    Args:
        scheme: Insurance scheme (0 resident, 1 employee).
        care: Care type charged (0 outpatient, 1 inpatient).
        severity: Episode severity 0–4.
        exempt: Exempt from the non-referral penalty (referred, or an exempt emergency).
        contract: ``NOT_CONTRACTED``, ``CONTRACTED_ELSEWHERE`` or ``CONTRACTED_HERE``.
    """
    return patient_code(scheme, severity, exempt) + charge_code(care, contract)


@dataclass(frozen=True)
class CostRules:
    """Prices and reimbursement terms for every kind of patient at every facility.

    Attributes:
        cost: Full cost [code, F] [CNY].
        ratio: Reimbursement ratio [code, F].
        deductible: Deductible [code, F] [CNY].
        contact_cap: Most the insurer pays per visit or admission [code, F] [CNY].
        fund: What the insurer pays before the annual cap and any deductible offset
            [code, F] [CNY] (:func:`out_of_pocket` evaluated on the tables).
        annual_cap: Most the insurer pays per resident-year, by care type [CNY].
        inpatient_deductible: Inpatient deductible by tier (resident scheme) [CNY], for the
            cumulative deductible after an upward referral.
        cumulative_deductible: Whether referred inpatients pay only the deductible difference.
        recovery_deductible_waived: Whether recovery stays after a downward referral are free
            of the deductible.
        emergencies_exempt: Whether exempt emergencies escape the non-referral penalty.
    """

    cost: np.ndarray
    ratio: np.ndarray
    deductible: np.ndarray
    contact_cap: np.ndarray
    fund: np.ndarray
    annual_cap: np.ndarray
    inpatient_deductible: np.ndarray
    cumulative_deductible: bool
    recovery_deductible_waived: bool
    emergencies_exempt: bool

    @classmethod
    def build(cls, policy: Policy, costs: Costs, tier: np.ndarray) -> CostRules:
        """Tables of the policy in force, for facilities of the given tiers.

        Args:
            policy: The policy in force (levers outside their window at their defaults).
            costs: Full costs of care.
            tier: Tier of each facility [F].
        """
        scheme, sev, exempt, care, contract = (
            g.ravel()[:, None] for g in np.meshgrid(*map(np.arange, _DIMS), indexing="ij"))
        base_ratio, base_deductible, base_cap = _tier_rules(policy)
        t = tier[None, :]
        ratio = base_ratio[care, t]
        ratio = np.where(scheme == 1, np.minimum(
            ratio + policy.reimbursement.employee_ratio_uplift,
            np.maximum(ratio, EMPLOYEE_RATIO_CEILING)), ratio)
        ratio = ratio - np.where(exempt == 0, _penalty(policy)[care, t], 0.0)
        if policy.family_doctor.gatekeeping.compulsory_for_reimbursement:
            ratio = np.where((contract == CONTRACTED_ELSEWHERE) & (exempt == 0) & (t >= COUNTY),
                             0.0, ratio)
        ratio = ratio + np.where(contract == CONTRACTED_HERE,
                                 policy.contract_bonus.ratio_points, 0.0)
        full = np.where(care == INPATIENT,
                        np.asarray(costs.admission.as_list())[t] * _severity_factor(costs)[sev],
                        np.asarray(costs.outpatient_visit.as_list())[t])
        shape = full.shape
        ratio = np.clip(ratio, 0.0, 1.0)
        deductible = np.broadcast_to(base_deductible[care, t], shape).copy()
        contact_cap = np.broadcast_to(base_cap[care, t], shape).copy()
        _, fund = out_of_pocket(full, deductible, ratio, np.inf, contact_cap)
        return cls(
            cost=full,
            ratio=ratio,
            deductible=deductible,
            contact_cap=contact_cap,
            fund=fund,
            annual_cap=np.array([policy.reimbursement.outpatient.annual_cap,
                                 policy.reimbursement.inpatient.annual_cap]),
            inpatient_deductible=base_deductible[INPATIENT],
            cumulative_deductible=policy.referral_incentives.cumulative_deductible,
            recovery_deductible_waived=(
                policy.referral_incentives.no_deductible_after_down_referral),
            emergencies_exempt=policy.referral_incentives.emergencies_exempt,
        )


def pricing_key(policy: Policy) -> tuple[object, ...]:
    """What :meth:`CostRules.build` reads of a policy, timing aside: equal keys, equal tables."""
    timing = {"start_day", "end_day"}
    return (policy.reimbursement.model_dump(exclude=timing),
            policy.referral_incentives.model_dump(exclude=timing),
            policy.contract_bonus.model_dump(exclude=timing),
            policy.family_doctor.gatekeeping.compulsory_for_reimbursement)


@dataclass(frozen=True)
class Tariffs:
    """The :class:`CostRules` of every distinct insurance scheme in force, stacked.

    A prefecture pools insurance by default (one scheme), but a county may keep its own
    reimbursement, referral incentives and contract bonus. A patient pays by the rules
    of the home county wherever treated, the shared city hospitals included. Table ``p``
    takes rows ``p · rows_per_table`` onwards of the stacked tables; with one scheme
    there is one table and ``village_table`` is None, so prices cost no more than in one
    county.

    Attributes:
        cost: Full cost [table · code, F] [CNY].
        ratio: Reimbursement ratio [table · code, F].
        deductible: Deductible [table · code, F] [CNY].
        contact_cap: Most the insurer pays per contact [table · code, F] [CNY].
        fund: What the insurer pays before the annual cap and any deductible offset
            [table · code, F] [CNY].
        rows_per_table: Rows of one table (kinds of patient).
        annual_cap: Most the insurer pays per resident-year [table, care type] [CNY].
        inpatient_deductible: Inpatient deductible [table, tier] [CNY].
        cumulative_deductible: Whether each table has the cumulative deductible [table].
        recovery_deductible_waived: Whether each table waives the recovery deductible [table].
        emergencies_exempt: Whether each table exempts emergencies from penalties [table].
        village_table: Table of each village's residents [V]; None when there is one.
        table_by_village: The same, 0 for every village when there is one table (what
            the compiled kernels read).
        offsets_deductible: Whether any table offsets deductibles (the slower price path).
    """

    cost: np.ndarray
    ratio: np.ndarray
    deductible: np.ndarray
    contact_cap: np.ndarray
    fund: np.ndarray
    rows_per_table: int
    annual_cap: np.ndarray
    inpatient_deductible: np.ndarray
    cumulative_deductible: np.ndarray
    recovery_deductible_waived: np.ndarray
    emergencies_exempt: np.ndarray
    village_table: np.ndarray | None
    table_by_village: np.ndarray
    offsets_deductible: bool

    @classmethod
    def build(cls, county_policies: Sequence[Policy], costs: Costs, tier: np.ndarray,
              village_county: np.ndarray) -> Tariffs:
        """One table per distinct scheme among the counties' policies in force.

        Args:
            county_policies: The policy in force in each county (one for a lone county).
            costs: Full costs of care.
            tier: Tier of each facility [F].
            village_county: County of each village [V].
        """
        keys: list[tuple[object, ...]] = []
        tables: list[CostRules] = []
        county_table = []
        for policy in county_policies:
            key = pricing_key(policy)
            if key not in keys:
                keys.append(key)
                tables.append(CostRules.build(policy, costs, tier))
            county_table.append(keys.index(key))

        def stacked(name: str) -> np.ndarray:
            arrays = [getattr(t, name) for t in tables]
            return arrays[0] if len(arrays) == 1 else np.concatenate(arrays)

        def flags(name: str) -> np.ndarray:
            return np.array([getattr(t, name) for t in tables], dtype=bool)

        cumulative, waived = flags("cumulative_deductible"), flags("recovery_deductible_waived")
        by_village = np.asarray(county_table, dtype=np.int64)[village_county]
        return cls(
            cost=stacked("cost"), ratio=stacked("ratio"), deductible=stacked("deductible"),
            contact_cap=stacked("contact_cap"), fund=stacked("fund"),
            rows_per_table=tables[0].cost.shape[0],
            annual_cap=np.array([t.annual_cap for t in tables]),
            inpatient_deductible=np.array([t.inpatient_deductible for t in tables]),
            cumulative_deductible=cumulative, recovery_deductible_waived=waived,
            emergencies_exempt=flags("emergencies_exempt"),
            village_table=by_village if len(tables) > 1 else None,
            table_by_village=by_village,
            offsets_deductible=bool(cumulative.any() or waived.any()),
        )

    def table_of(self, home: np.ndarray) -> np.ndarray | None:
        """Table each patient of ``home`` villages pays by; None when there is one."""
        return None if self.village_table is None else self.village_table.take(home)

    def each(self, values: np.ndarray, table: np.ndarray | None) -> np.ndarray:
        """A per-table value for each patient (of the one table, if ``table`` is None)."""
        return values[0] if table is None else values[table]


def _tier_rules(policy: Policy) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ratio, deductible and per-contact cap of the resident scheme by [care, tier]."""
    rules = policy.reimbursement
    ratio = np.zeros((2, len(TIERS)))
    deductible = np.zeros((2, len(TIERS)))
    cap = np.full((2, len(TIERS)), np.inf)
    for care, table in ((OUTPATIENT, rules.outpatient), (INPATIENT, rules.inpatient)):
        for t, name in enumerate(TIERS):
            rule = getattr(table, name, None)
            if rule is None:  # villages have no inpatient rule: they have no beds
                continue
            ratio[care, t], deductible[care, t] = rule.ratio, rule.deductible
            cap[care, t] = np.inf if rule.cap is None else rule.cap
    return ratio, deductible, cap


def _penalty(policy: Policy) -> np.ndarray:
    """Non-referral penalty in ratio points by [care, tier]."""
    rules = policy.referral_incentives
    return np.array([rules.non_referral_penalty_outpatient.by_tier(),
                     rules.non_referral_penalty_inpatient.by_tier()])


def _severity_factor(costs: Costs) -> np.ndarray:
    """Admission cost factor by severity 0–4 (severities 0–2 share the severity-2 factor)."""
    factor = costs.severity_cost_factor
    return np.array([factor[0], factor[0], *factor])


def out_of_pocket(
    cost: np.ndarray,
    deductible: np.ndarray,
    ratio: np.ndarray,
    cap_left: np.ndarray,
    contact_cap: np.ndarray | float = np.inf,
) -> tuple[np.ndarray, np.ndarray]:
    """Split a cost between patient and insurer.

    Args:
        cost: Full cost of the care [CNY].
        deductible: Deductible that applies [CNY].
        ratio: Reimbursement ratio that applies [share 0–1].
        cap_left: What remains of the resident's annual cap [CNY].
        contact_cap: Most the insurer pays for this visit or admission [CNY].

    Returns:
        ``(oop, fund)``: paid by the patient and by the insurer [CNY].
    """
    fund = np.maximum(cost - deductible, 0.0) * ratio
    fund = np.minimum(np.minimum(fund, contact_cap), np.maximum(cap_left, 0.0))
    return cost - fund, fund
