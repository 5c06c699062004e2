"""What the day leaves in the counters: contacts, treated episodes, and the end of day.

Indicators (:mod:`tieredcare.metrics`) are ratios of these counters; the end of day also
counts queues and beds, renews contracts once a year and resets the annual caps.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from tieredcare import fast
from tieredcare.counters import MAX_WAIT_BIN, NO_CARE, SELF_TREATED
from tieredcare.day import pricing
from tieredcare.episodes import QUEUED
from tieredcare.fast import contacts as fast_contacts
from tieredcare.groups import is_45_plus
from tieredcare.tiers import COUNTY, DAYS_PER_YEAR, INPATIENT, OUTPATIENT, TIERS

if TYPE_CHECKING:
    from tieredcare.model import TieredCareModel


def by_group(model: TieredCareModel, rows: np.ndarray,
             counts: dict[str, np.ndarray | None] | None = None,
             sums: dict[str, np.ndarray] | None = None) -> None:
    """Count episodes in group slots (or add what they weigh), on reported days only.

    Args:
        model: The model.
        rows: Episodes.
        counts: Slot → which of the episodes it counts (a mask; None: all).
        sums: Slot → what each episode adds to it.
    """
    if model.day >= 0:
        model.groups.add_episodes(model.episodes, rows, counts, sums)


def record_contacts(model: TieredCareModel, rows: np.ndarray, fac: np.ndarray,
                    treated: np.ndarray, sent_down: np.ndarray) -> None:
    """Count the served contacts and charge the patients.

    Args:
        model: The model.
        rows: Episodes served.
        fac: Their facility.
        treated: Whether the contact treated the episode.
        sent_down: Whether a county hospital sent the chronic follow-up down to the
            township centre instead (capitation): not a failure to treat.
    """
    ep = model.episodes
    if fast.ENABLED:
        wait, hours, own = fast_contacts.charge(model, rows, fac)
    else:
        wait, hours, own = charge_contacts(model, rows, fac)
    if model.perception is not None:
        long_wait = wait > model.scenario.trust.long_wait_days
        model.perception.experience(ep["home"][rows], fac, model.state.quality.take(fac),
                                    ~treated & ~sent_down, long_wait)
    if model.day >= 0:
        _contacts_by_group(model, rows, fac, wait, hours)
    fd = model.family_doctors
    if fd.contract_covers is not fd.team_covers:  # "1+1+1": the team covers less
        own = fd.covers(fd.team_covers, rows, fac)
    fd.score_contacts(rows, fac, own, wait, treated)


def charge_contacts(model: TieredCareModel, rows: np.ndarray, fac: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Count the served contacts by facility, charge them and book the payments.

    Returns:
        ``(wait, hours, own)``: days waited (capped at the last histogram bin), hours
        waited for a doctor (outpatients; 0 for admissions) and whether the contract
        covers the facility.
    """
    ep, pop, c, r = model.episodes, model.population, model.counters, model.row
    queue, resident = ep["queue"][rows], ep["resident"][rows]
    c.add_events(r, fac, visits=queue == OUTPATIENT, admissions=queue == INPATIENT,
                 recovery_admissions=ep["recovery"][rows], unreferred=~ep["referred"][rows])
    days_waited = model.day - ep["queued_day"][rows]
    outpatient = queue == OUTPATIENT
    # Today's wait for a doctor (hours) for each outpatient seen; admissions wait in days.
    hours = np.where(outpatient, model.state.outpatient_wait_hours.take(fac), 0.0)
    c.add("outpatient_wait_hours", r, fac, hours)
    c.add("admission_wait_days", r, fac[~outpatient], days_waited[~outpatient])
    wait = np.minimum(days_waited, MAX_WAIT_BIN)
    bins = c.wait_hist.shape[2]
    c.wait_hist[r] += np.bincount(model.county.tier[fac] * bins + wait,
                                  minlength=c.wait_hist[r].size
                                  ).reshape(c.wait_hist[r].shape).astype(np.int32)
    contract, own = pricing.contract_status(model, rows, fac)
    oop, fund = pricing.price(model, rows, resident, queue, contract, fac)
    # Same dtype on both sides: np.add.at is many times faster without casting.
    np.add.at(pop.fund_paid.ravel(), resident * 2 + queue,
              fund.astype(pop.fund_paid.dtype))
    ep["oop"][rows] += oop
    c.add("oop", r, fac, oop)
    c.add("fund", r, fac, fund)
    return wait, hours, own


def _contacts_by_group(model: TieredCareModel, rows: np.ndarray, fac: np.ndarray,
                       wait: np.ndarray, hours: np.ndarray) -> None:
    """The served contacts of a reported day, by group; and who last visited where."""
    ep, county = model.episodes, model.county
    tier, outpatient = county.tier.take(fac), ep["queue"][rows] == OUTPATIENT
    hospital = tier >= COUNTY
    illness = (~outpatient) & ~ep["recovery"][rows]
    n_fac = np.int64(county.n_facilities)
    by_group(model, rows, counts={
        "visits": outpatient, "visits_primary": outpatient & ~hospital,
        "admissions": ~outpatient, "admission_episodes": illness,
        "admission_episodes_in_county": illness & in_own_county(model, rows, fac),
        "hospital_contacts": hospital,
        "unreferred_hospital_contacts": hospital & ~ep["referred"][rows], "contacts": None,
    }, sums={
        "travel_minutes": county.village_minutes.ravel().take(ep["home"][rows] * n_fac + fac),
        "wait_days": wait.astype(np.float64),
        "outpatient_wait_hours": hours,
    })
    # Only the bypass indicator of residents aged 45+ reads it: fewer scattered writes.
    noted = outpatient & is_45_plus(ep["person"][rows])
    model.groups.last_outpatient_tier[ep["resident"][rows[noted]]] = tier[noted]


def in_own_county(model: TieredCareModel, rows: np.ndarray, fac: np.ndarray) -> np.ndarray:
    """Whether each episode's facility lies in its patient's home county.

    Care a county-A resident receives in county B is out of county for A.
    """
    county = model.county
    return county.facility_county.take(fac) == county.village_county.take(
        model.episodes["home"][rows])


def count_treated(model: TieredCareModel, rows: np.ndarray) -> None:
    """Count episodes whose treatment was given today."""
    ep, c, r = model.episodes, model.counters, model.row
    fac = ep["facility"][rows]
    c.add("treated", r, fac)
    oop = ep["oop"][rows]
    c.episode_oop[r] += float(oop.sum())
    income = model.income_of(rows)
    catastrophic = oop >= model.scenario.costs.catastrophic_threshold * income
    c.catastrophic[r] += int(np.count_nonzero(catastrophic))
    if model.day >= 0:
        tier = model.county.tier.take(fac)
        by_group(model, rows, counts={
            "treated": None, "treated_in_county": in_own_county(model, rows, fac),
            "catastrophic": catastrophic,
            **{f"treated_{name}": tier == t for t, name in enumerate(TIERS)},
        }, sums={"treated_oop": oop.astype(np.float64)})
        township = model.county.village_township[ep["home"][rows]].astype(np.int64)
        c.flows += np.bincount(township * c.n_facilities + fac, minlength=c.flows.size
                               ).reshape(c.flows.shape)


def count_seeking(model: TieredCareModel, rows: np.ndarray, outcome: np.ndarray) -> None:
    """Count new episodes by type, care needed and what the patient did.

    ``outcome``: 0 sought a facility, 1 self-treated, 2 went without care.
    """
    ep, c = model.episodes, model.counters
    cell = (ep["kind"][rows] * 2 + ep["care"][rows]) * 3 + outcome
    c.seeking[model.row] += np.bincount(cell, minlength=c.seeking[0].size
                                        ).reshape(c.seeking.shape[1:]).astype(np.int32)
    by_group(model, rows, counts={"onsets": None, "self_treated": outcome == SELF_TREATED,
                                  "no_care": outcome == NO_CARE})


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
    model.family_doctors.renewal_day(day_of_year)  # each county on its own renewal day
    if day_of_year == DAYS_PER_YEAR - 1:
        model.population.fund_paid[:] = 0.0  # caps are per calendar year
    c.contracted[r] = model.family_doctors.contracted
    if model.day >= 0:
        model.groups.end_of_day()
    if model.perception is not None:
        model.perception.update()
    c.perception_weight[r] = model.perception_weight_total
    c.perceived[r] = model.perceived_by_facility() * model.perception_weight_total
