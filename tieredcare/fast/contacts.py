"""The day's served contacts counted and charged in one compiled pass (see :mod:`tieredcare.fast`).

:func:`tieredcare.day.records.charge_contacts` counts the contacts per facility, prices
them (:func:`tieredcare.day.pricing.price`) and books the payments with a few dozen numpy
calls. Here one pass prices each contact, in the numpy path's arithmetic and order, and
adds its events to per-facility sums as ``bincount`` would (in contact order, from 0); a
second pass books the insurer's payments against the annual caps, after every contact has
been priced by what was paid before today, as the numpy path does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from tieredcare.behaviour.costs import CHARGES, N_SEVERITIES
from tieredcare.fast import by_rows, njit, prange
from tieredcare.tiers import SCHEMES

if TYPE_CHECKING:
    from tieredcare.model import TieredCareModel

N_SCHEMES = len(SCHEMES)
EVENTS = ("visits", "admissions", "recovery_admissions", "unreferred")
"""Per-facility counters of contacts, in the order the kernel counts them."""
SUMS = ("outpatient_wait_hours", "admission_wait_days", "oop", "fund")
"""Per-facility counters of what contacts add up, in the kernel's order."""


def charge(model: TieredCareModel, rows: np.ndarray, fac: np.ndarray
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`tieredcare.day.records.charge_contacts` by the kernel, with its results."""
    ep, pop, c, r, tariffs = (model.episodes, model.population, model.counters, model.row,
                              model.tariffs)
    columns = (ep["queue"], ep["resident"], ep["home"], ep["severity"], ep["line"],
               ep["referred"], ep["referral_tier"], ep["recovery"], ep["queued_day"],
               ep["person"])
    wait, hours, own = _contacts(
        rows, fac, columns, ep["oop"], np.int32(model.day), pop.team,
        pop.fund_paid, model.county.tier, model.state.outpatient_wait_hours,
        model.family_doctors.contract_covers, model.emergency_line,
        tariffs.cost, tariffs.fund, tariffs.deductible, tariffs.ratio, tariffs.contact_cap,
        tariffs.table_by_village, tariffs.rows_per_table, tariffs.annual_cap,
        tariffs.inpatient_deductible, tariffs.cumulative_deductible,
        tariffs.recovery_deductible_waived, tariffs.emergencies_exempt,
        tariffs.offsets_deductible, r, tuple(getattr(c, name) for name in EVENTS),
        *(getattr(c, name) for name in SUMS), c.wait_hist)
    return wait, hours, own


@by_rows
def _contacts(rows, fac, columns, oop_col, day, team, fund_paid, tier, wait_hours,
              covers, emergency_line, cost_t, fund_t, deductible_t, ratio_t, contact_cap_t,
              village_table, rows_per_table, annual_cap,
              inpatient_deductible, cumulative, waived, emergencies_exempt,
              offsets_deductible, day_row, event_counters, outpatient_wait_hours,
              admission_wait_days, oop_counter, fund_counter,
              wait_hist):  # pragma: no cover - compiled
    """Count, price and book the contacts; see :func:`charge`.

    Short loops, one kind of scattered read each: in a large population each read is a
    cache miss, and only a short loop lets the processor wait for many at once. Reading
    and pricing are per contact (:data:`~tieredcare.fast.prange`); booking and counting
    add up in contact order, in one thread.

    The day's per-facility counts and sums are added to the counters' row ``day_row``
    (the :data:`EVENTS` counters, then each of :data:`SUMS`, and the wait histogram), as
    numpy adds a day's column to a row of another dtype.

    Returns:
        Each contact's wait, hours and ``own``.
    """
    queue_col, resident_col, home_col, severity_col, line_col, referred_col, tier_col, \
        recovery_col, queued_col, person_col = columns
    n = rows.size
    signed = np.empty(n, dtype=np.bool_)
    resident_scheme = np.empty(n, dtype=np.int64)
    paid = np.empty(n)
    for i in prange(n):
        r = rows[i]
        resident = resident_col[r]
        signed[i] = team[resident] >= 0
        resident_scheme[i] = (np.int64(person_col[r]) // 2) % N_SCHEMES  # person_cell
        paid[i] = fund_paid[resident, queue_col[r]]
    own = np.empty(n, dtype=np.bool_)
    for i in prange(n):
        own[i] = covers[home_col[rows[i]], fac[i]] and signed[i]
    fund = np.empty(n)
    oop = np.empty(n)
    for i in prange(n):
        r = rows[i]
        queue, table, sev, line = queue_col[r], village_table[home_col[r]], \
            severity_col[r], line_col[r]
        exempt = referred_col[r] or (emergency_line[line] and emergencies_exempt[table])
        at = ((resident_scheme[i] * N_SEVERITIES + sev) * 2 + exempt) * CHARGES \
            + table * rows_per_table + queue * 3 + own[i] + signed[i]
        cap_left = max(annual_cap[table, queue] - paid[i], 0.0)
        offset = 0.0  # of the inpatient deductible (pricing.deductible_offset); inline:
        if queue == 1:  # a compiled call with arrays costs more than the whole price
            if cumulative[table] and tier_col[r] >= 0:
                offset = inpatient_deductible[table, tier_col[r]]
            if waived[table] and recovery_col[r]:
                offset = np.inf
        f = fac[i]
        cost = cost_t[at, f]
        if not offsets_deductible:
            fund[i] = min(fund_t[at, f], cap_left)
        else:
            deductible = max(deductible_t[at, f] - offset, 0.0)
            fund[i] = min(min(max(cost - deductible, 0.0) * ratio_t[at, f],
                              contact_cap_t[at, f]), max(cap_left, 0.0))
        oop[i] = cost - fund[i]
    n_tiers, bins = wait_hist.shape[1], wait_hist.shape[2]
    events, sums, hist, wait, hours = _count(rows, fac, queue_col, referred_col,
                                             recovery_col, queued_col, day, tier,
                                             wait_hours, oop, fund, n_tiers, bins)
    for k in range(len(event_counters)):
        counter = event_counters[k]
        for f in range(tier.size):
            counter[day_row, f] += events[k, f]
    for f in range(tier.size):  # the SUMS, each into its counter's dtype
        outpatient_wait_hours[day_row, f] += sums[0, f]
        admission_wait_days[day_row, f] += sums[1, f]
        oop_counter[day_row, f] += sums[2, f]
        fund_counter[day_row, f] += sums[3, f]
    for t in range(n_tiers):
        for b in range(bins):
            wait_hist[day_row, t, b] += hist[t, b]
    for i in range(n):  # booked after pricing: every contact pays by the caps left before
        r = rows[i]
        oop_col[r] = np.float32(np.float64(oop_col[r]) + oop[i])
        fund_paid[resident_col[r], queue_col[r]] += np.float32(fund[i])
    return wait, hours, own


@njit
def _count(rows, fac, queue_col, referred_col, recovery_col, queued_col, day, tier,
           wait_hours, oop, fund, n_tiers, bins):  # pragma: no cover - compiled
    """Per-facility counts and sums of the contacts, in contact order from 0."""
    n, n_fac = rows.size, tier.size
    events = np.zeros((4, n_fac), dtype=np.int64)
    sums = np.zeros((4, n_fac))
    hist = np.zeros((n_tiers, bins), dtype=np.int64)
    wait = np.empty(n, dtype=np.int32)
    hours = np.empty(n)
    for i in range(n):
        r, f = rows[i], fac[i]
        queue = queue_col[r]
        events[queue, f] += 1  # visits (outpatient queue) or admissions
        events[2, f] += recovery_col[r]
        events[3, f] += not referred_col[r]
        days = day - queued_col[r]
        hours[i] = wait_hours[f] if queue == 0 else 0.0
        sums[0, f] += hours[i]
        if queue == 1:
            sums[1, f] += np.float64(days)
        wait[i] = min(days, bins - 1)
        hist[tier[f], wait[i]] += 1
        sums[2, f] += oop[i]
        sums[3, f] += fund[i]
    return events, sums, hist, wait, hours


def warm_up(model: TieredCareModel) -> None:
    """Compile the kernel for this model's array types, or load it from numba's cache."""
    none = np.empty(0, dtype=np.intp)
    charge(model, none, none)  # adds nothing to the counters
