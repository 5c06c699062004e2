"""What a contact costs the patient and the insurer, under the rules in force today.

Prices come from the tables of :class:`~tieredcare.behaviour.costs.Tariffs` (by scheme,
severity, exemption, care type and contract status; in a prefecture, by the insurance
rules of the patient's home county), with the annual caps, the cumulative deductible and
the deductible waived after a downward referral applied per patient.
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
    attributes (scheme, home county's rules, severity, referral, recovery) broadcast
    along the rows.
    """
    ep, tariffs, pop = model.episodes, model.tariffs, model.population
    col = (lambda a: a[:, None]) if fac.ndim == 2 else (lambda a: a)
    table = tariffs.table_of(ep["home"][rows])
    exempt = ep["referred"][rows]
    emergencies_exempt = tariffs.each(tariffs.emergencies_exempt, table)
    if emergencies_exempt.any():
        exempt = exempt | (model.emergency_line[ep["line"][rows]] & emergencies_exempt)
    code = patient_code(pop.scheme[resident], ep["severity"][rows], exempt)
    if table is not None:
        code += table * np.int64(tariffs.rows_per_table)
    # Flat positions in the [code, F] tables: one 1-D take is cheaper than 2-D indexing.
    n_fac = np.int64(tariffs.cost.shape[1])
    at = col(code * n_fac) + charge_code(care, contract) * n_fac + fac
    cost = tariffs.cost.ravel().take(at)
    # What is left of each patient's annual caps, outpatient and inpatient.
    annual_cap = tariffs.annual_cap[0][:, None] if table is None else tariffs.annual_cap[table].T
    left = np.maximum(annual_cap - pop.fund_paid.take(resident, axis=0).T, 0.0)
    cap_left = np.where(care, col(left[INPATIENT]), col(left[OUTPATIENT]))
    if not tariffs.offsets_deductible:
        # The table's payment already has the deductible, ratio and contact cap applied.
        fund = np.minimum(tariffs.fund.ravel().take(at), cap_left)
        return cost - fund, fund
    offset = np.where(care == INPATIENT, col(deductible_offset(model, rows, table)), 0.0)
    deductible = np.maximum(tariffs.deductible.ravel().take(at) - offset, 0.0)
    return out_of_pocket(cost, deductible, tariffs.ratio.ravel().take(at), cap_left,
                         tariffs.contact_cap.ravel().take(at))


def deductible_offset(model: TieredCareModel, rows: np.ndarray,
                      table: np.ndarray | None = None) -> np.ndarray:
    """Part of the deductible each episode does not pay again [CNY].

    With the cumulative deductible, an episode referred upward has the referring tier's
    inpatient deductible counted; a recovery stay may be free of the deductible. Each
    episode follows the rules of its table (:meth:`Tariffs.table_of`; None: the one table).
    """
    ep, tariffs = model.episodes, model.tariffs
    offset = np.zeros(rows.size)
    cumulative = tariffs.each(tariffs.cumulative_deductible, table)
    if cumulative.any():
        tier = ep["referral_tier"][rows]
        by_tier = tariffs.inpatient_deductible
        at = np.maximum(tier, 0) + (0 if table is None else table * by_tier.shape[1])
        offset = np.where((tier >= 0) & cumulative, by_tier.ravel().take(at), 0.0)
    waived = tariffs.each(tariffs.recovery_deductible_waived, table)
    if waived.any():
        offset = np.where(ep["recovery"][rows] & waived, np.inf, offset)
    return offset
