"""Out-of-pocket cost under the reimbursement rules (差别化报销).

One rule serves both the patient's expectation when choosing a facility and the charge
when care is given: the insurer pays ``ratio`` of the cost above the ``deductible``, up to
what remains of the resident's annual cap; the patient pays the rest.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tieredcare.config.schema import Scenario
from tieredcare.tiers import INPATIENT, OUTPATIENT, SCHEMES, TIERS

EMPLOYEE_RATIO_CEILING = 0.95
"""Highest ratio the employee uplift may reach (assumption: schemes keep a co-payment)."""


@dataclass(frozen=True)
class CostRules:
    """Cost and reimbursement tables, indexed by care type, tier and scheme.

    Attributes:
        outpatient_cost: Full cost of a visit by tier [CNY].
        admission_cost: Full cost of an average admission by tier [CNY].
        severity_cost_factor: Admission cost by severity 0–4, relative to the tier average.
        ratio: Reimbursement ratio by [scheme, care type, tier].
        deductible: Deductible by [care type, tier] [CNY].
        annual_cap: Most the insurer pays per resident-year, by care type [CNY].
    """

    outpatient_cost: np.ndarray
    admission_cost: np.ndarray
    severity_cost_factor: np.ndarray
    ratio: np.ndarray
    deductible: np.ndarray
    annual_cap: np.ndarray

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> CostRules:
        """Tables of a scenario's costs and reimbursement policy."""
        rules = scenario.policy.reimbursement
        ratio = np.zeros((len(SCHEMES), 2, len(TIERS)))
        deductible = np.zeros((2, len(TIERS)))
        for care, table in ((OUTPATIENT, rules.outpatient), (INPATIENT, rules.inpatient)):
            for t, tier in enumerate(TIERS):
                rule = getattr(table, tier, None)
                if rule is not None:  # villages have no inpatient rule: no beds there
                    ratio[0, care, t] = rule.ratio
                    deductible[care, t] = rule.deductible
        ratio[1] = np.minimum(ratio[0] + rules.employee_ratio_uplift,
                              np.maximum(ratio[0], EMPLOYEE_RATIO_CEILING))
        factor = np.array([1.0, 1.0, *scenario.costs.severity_cost_factor])
        return cls(
            outpatient_cost=np.asarray(scenario.costs.outpatient_visit.as_list()),
            admission_cost=np.asarray(scenario.costs.admission.as_list()),
            severity_cost_factor=factor,
            ratio=ratio,
            deductible=deductible,
            annual_cap=np.array([rules.outpatient.annual_cap, rules.inpatient.annual_cap]),
        )

    def full_cost(self, care: np.ndarray, tier: np.ndarray, severity: np.ndarray) -> np.ndarray:
        """Full cost of care of the given type at the given tier [CNY]."""
        inpatient = self.admission_cost[tier] * self.severity_cost_factor[severity]
        return np.where(care == INPATIENT, inpatient, self.outpatient_cost[tier])


def out_of_pocket(
    cost: np.ndarray, deductible: np.ndarray, ratio: np.ndarray, cap_left: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Split a cost between patient and insurer.

    Args:
        cost: Full cost of the care [CNY].
        deductible: Deductible that applies [CNY].
        ratio: Reimbursement ratio that applies [share 0–1].
        cap_left: What remains of the resident's annual cap [CNY].

    Returns:
        ``(oop, fund)``: paid by the patient and by the insurer [CNY].
    """
    fund = np.minimum(np.maximum(cost - deductible, 0.0) * ratio, np.maximum(cap_left, 0.0))
    return cost - fund, fund


def price(
    rules: CostRules,
    care: np.ndarray,
    tier: np.ndarray,
    severity: np.ndarray,
    scheme: np.ndarray,
    cap_left: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Out-of-pocket and insurer payment for care at a tier, under a patient's scheme.

    Args:
        rules: Cost and reimbursement tables.
        care: Care type of each item (0 outpatient, 1 inpatient).
        tier: Tier of the facility.
        severity: Severity of the episode (1–4).
        scheme: Insurance scheme of the patient.
        cap_left: What remains of the patient's annual cap for that care type [CNY].

    Returns:
        ``(oop, fund)`` [CNY], shaped like the broadcast of the inputs.
    """
    cost = rules.full_cost(care, tier, severity)
    return out_of_pocket(cost, rules.deductible[care, tier], rules.ratio[scheme, care, tier],
                         cap_left)


N_SEVERITIES = 5


def tariff_code(scheme: np.ndarray, care: np.ndarray, severity: np.ndarray) -> np.ndarray:
    """Row of a patient's prices in the tables of :func:`tariff`."""
    return (scheme * 2 + care) * N_SEVERITIES + severity


def tariff(rules: CostRules, tier: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Full cost and uncapped insurer payment at each facility, for every kind of patient.

    :func:`price` evaluated once per (scheme, care type, severity) and facility, so the
    daily loop looks prices up instead of recomputing them. The annual cap is applied at
    look-up: ``fund = min(fund_table, cap_left)``, which is the same rule.

    Args:
        rules: Cost and reimbursement tables.
        tier: Tier of each facility [F].

    Returns:
        ``(cost, fund)`` tables [code, F] [CNY], rows indexed by :func:`tariff_code`.
    """
    scheme, care, severity = np.meshgrid(np.arange(len(SCHEMES)), np.arange(2),
                                         np.arange(N_SEVERITIES), indexing="ij")
    scheme, care, severity = (a.ravel()[:, None] for a in (scheme, care, severity))
    oop, fund = price(rules, care, tier[None, :], severity, scheme, np.inf)
    return oop + fund, fund
