"""What the day leaves in the counters: contacts, treated episodes, and the end of day.

Indicators (:mod:`tieredcare.metrics`) are ratios of these counters; the end of day also
counts queues and beds, renews contracts once a year and resets the annual caps.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from tieredcare.day import pricing
from tieredcare.episodes import QUEUED
from tieredcare.metrics import MAX_WAIT_BIN
from tieredcare.tiers import DAYS_PER_YEAR, INPATIENT, OUTPATIENT

if TYPE_CHECKING:
    from tieredcare.model import TieredCareModel


def record_contacts(model: TieredCareModel, rows: np.ndarray, fac: np.ndarray,
                    treated: np.ndarray) -> None:
    """Count the served contacts and charge the patients."""
    ep, pop, c, r = model.episodes, model.population, model.counters, model.row
    queue, resident = ep["queue"][rows], ep["resident"][rows]
    c.add_events(r, fac, visits=queue == OUTPATIENT, admissions=queue == INPATIENT,
                 recovery_admissions=ep["recovery"][rows], unreferred=~ep["referred"][rows])
    wait = np.minimum(model.day - ep["queued_day"][rows], MAX_WAIT_BIN)
    bins = c.wait_hist.shape[2]
    c.wait_hist[r] += np.bincount(model.county.tier[fac] * bins + wait,
                                  minlength=c.wait_hist[r].size
                                  ).reshape(c.wait_hist[r].shape).astype(np.int32)
    contract, own = pricing.contract_status(model, rows, fac)
    oop, fund = pricing.price(model, rows, resident, queue, contract, fac)
    # Same dtype on both sides: np.add.at is many times faster without casting.
    np.add.at(pop.fund_paid.ravel(), queue.astype(np.int64) * pop.size + resident,
              fund.astype(pop.fund_paid.dtype))
    ep["oop"][rows] += oop
    c.add("oop", r, fac, oop)
    c.add("fund", r, fac, fund)
    fd = model.family_doctors
    if fd.contract_covers is not fd.team_covers:  # "1+1+1": the team covers less
        own = fd.covers(fd.team_covers, rows, fac)
    fd.score_contacts(rows, fac, own, wait, treated)


def count_treated(model: TieredCareModel, rows: np.ndarray) -> None:
    """Count episodes whose treatment was given today."""
    ep, c, r = model.episodes, model.counters, model.row
    fac, resident = ep["facility"][rows], ep["resident"][rows]
    c.add("treated", r, fac)
    oop = ep["oop"][rows]
    c.episode_oop[r] += float(oop.sum())
    income = model.income_of(resident)
    c.catastrophic[r] += int(np.count_nonzero(
        oop >= model.scenario.costs.catastrophic_threshold * income))
    if model.day >= 0:
        township = model.county.village_township[ep["home"][rows]].astype(np.int64)
        c.flows += np.bincount(township * c.n_facilities + fac, minlength=c.flows.size
                               ).reshape(c.flows.shape)


def end_of_day(model: TieredCareModel) -> None:
    """Count queues and beds, compact the episode table, renew contracts, reset caps."""
    ep, st, c, r = model.episodes, model.state, model.counters, model.row
    queued = ep["status"] == QUEUED
    n_fac = model.county.n_facilities
    st.outpatient_queue = np.bincount(ep["facility"][queued & (ep["queue"] == OUTPATIENT)],
                                      minlength=n_fac)
    st.admission_queue = np.bincount(ep["facility"][queued & (ep["queue"] == INPATIENT)],
                                     minlength=n_fac)
    c.outpatient_queue[r] = st.outpatient_queue
    c.admission_queue[r] = st.admission_queue
    c.occupied_beds[r] = st.occupied_beds
    c.outpatient_slots[r] = st.outpatient_slots
    c.beds[r] = st.beds
    ep.compact(min_share=0.3)
    day_of_year = model.day % DAYS_PER_YEAR
    if day_of_year == model.scenario.policy.family_doctor.renewal_day_of_year:
        model.family_doctors.renew()
    if day_of_year == DAYS_PER_YEAR - 1:
        model.population.fund_paid[:] = 0.0  # caps are per calendar year
    c.contracted[r] = model.family_doctors.contracted
