"""What a contact costs the patient and the insurer, under the rules in force today.

Prices come from the tables of :class:`~tieredcare.behaviour.costs.CostRules` (by scheme,
severity, exemption, care type and contract status), with the annual caps, the cumulative
deductible and the deductible waived after a downward referral applied per patient.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from tieredcare.behaviour.costs import (
    CONTRACTED_ELSEWHERE,
    charge_code,
    out_of_pocket,
    patient_code,
)
from tieredcare.tiers import INPATIENT, OUTPATIENT

if TYPE_CHECKING:
    from tieredcare.model import TieredCareModel


def contract_status(model: TieredCareModel, rows: np.ndarray, fac: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Each episode's contract relative to each facility ([n] or [n, C] facilities).

    Returns:
        ``(status, own)``: not contracted (0), contracted elsewhere (1) or here (2)
        and whether the facility is one the contract covers.
    """
    fd = model.family_doctors
    signed = model.population.team[model.episodes["resident"][rows]] >= 0
    own = fd.covers(fd.contract_covers, rows, fac, signed)
    if fac.ndim == 2:
        signed = signed[:, None]
    # int8 keeps the arithmetic on [n, C] arrays small.
    return own + signed * np.int8(CONTRACTED_ELSEWHERE), own


def price(model: TieredCareModel, rows: np.ndarray, resident: np.ndarray, care: np.ndarray,
           contract: np.ndarray, fac: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Out-of-pocket and insurer payment for episodes' care at facilities.

    ``care``, ``contract`` and ``fac`` are shaped [n] or [n, C]; the episode's own
    attributes (scheme, severity, referral, recovery) broadcast along the rows.
    """
    ep, rules, pop = model.episodes, model.rules, model.population
    col = (lambda a: a[:, None]) if fac.ndim == 2 else (lambda a: a)
    exempt = ep["referred"][rows]
    if model.policy.referral_incentives.emergencies_exempt:
        exempt = exempt | model.emergency_line[ep["line"][rows]]
    # Flat positions in the [code, F] tables: one 1-D take is cheaper than 2-D indexing.
    n_fac = np.int64(rules.cost.shape[1])
    patient = patient_code(pop.scheme[resident], ep["severity"][rows], exempt) * n_fac
    at = col(patient) + charge_code(care, contract) * n_fac + fac
    cost = rules.cost.ravel().take(at)
    # What is left of each patient's annual caps, outpatient and inpatient.
    left = np.maximum(rules.annual_cap[:, None] - pop.fund_paid.take(resident, axis=1), 0.0)
    cap_left = np.where(care, col(left[INPATIENT]), col(left[OUTPATIENT]))
    if not (rules.cumulative_deductible or rules.recovery_deductible_waived):
        # The table's payment already has the deductible, ratio and contact cap applied.
        fund = np.minimum(rules.fund.ravel().take(at), cap_left)
        return cost - fund, fund
    offset = np.where(care == INPATIENT, col(deductible_offset(model, rows)), 0.0)
    deductible = np.maximum(rules.deductible.ravel().take(at) - offset, 0.0)
    return out_of_pocket(cost, deductible, rules.ratio.ravel().take(at), cap_left,
                         rules.contact_cap.ravel().take(at))


def deductible_offset(model: TieredCareModel, rows: np.ndarray) -> np.ndarray:
    """Part of the deductible each episode does not pay again [CNY].

    With the cumulative deductible, an episode referred upward has the referring tier's
    inpatient deductible counted; a recovery stay may be free of the deductible.
    """
    ep, rules = model.episodes, model.rules
    offset = np.zeros(rows.size)
    if rules.cumulative_deductible:
        tier = ep["referral_tier"][rows]
        offset = np.where(tier >= 0, rules.inpatient_deductible[np.maximum(tier, 0)], 0.0)
    if rules.recovery_deductible_waived:
        offset = np.where(ep["recovery"][rows], np.inf, offset)
    return offset
