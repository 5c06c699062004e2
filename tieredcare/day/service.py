"""Stages 1, 5 and 6 of the day: discharges, serving the queues, leaving the queues.

Each facility serves its outpatient and admission queues up to its capacity, referred
patients first (and part of the capacity reserved for them if the policy says so): it
treats what it can and refers on what it cannot. Outpatients seen today wait for a doctor
within the day (:mod:`tieredcare.queueing`); those beyond the day's slots wait for a later
day. Patients who have waited too long leave and choose again, or forgo care.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from tieredcare import fast, queueing
from tieredcare.arrays import rank_within, stochastic_round
from tieredcare.day import records, referral, transitions
from tieredcare.episodes import IN_BED, QUEUED
from tieredcare.fast import queues as fast_queues
from tieredcare.fast import waits as fast_waits
from tieredcare.tiers import CHRONIC_FOLLOW_UP, COUNTY, INPATIENT, OUTPATIENT

if TYPE_CHECKING:
    from tieredcare.model import TieredCareModel


def discharge(model: TieredCareModel) -> None:
    """Discharge inpatients whose stay ends today; some continue to a recovery stay."""
    ep = model.episodes
    out = (ep["status"] == IN_BED) & (ep["discharge_day"] <= model.day)
    if not out.any():
        return
    rows = np.flatnonzero(out)
    fac = ep["facility"][rows]
    model.state.occupied_beds -= np.bincount(fac, minlength=model.county.n_facilities)
    transitions.close(model, rows)
    referral.refer_down(model, rows)


def serve(model: TieredCareModel) -> None:
    """Each facility serves its queues up to capacity: treat, admit or refer on."""
    ep = model.episodes
    rows = np.flatnonzero(ep["status"] == QUEUED)
    if rows.size == 0:
        return
    fac, queue, referred = ep["facility"][rows], ep["queue"][rows], ep["referred"][rows]
    group = fac * 2 + queue
    rank = queue_rank(model, group, referred, ep["queued_day"][rows])
    capacity = np.stack([model.state.outpatient_slots,
                         np.maximum(model.state.beds - model.state.occupied_beds, 0)], axis=1)
    capacity = capacity.ravel().take(group)
    # Reserved capacity: patients without a referral may use only the open part.
    referred_ahead = np.bincount(group[referred], minlength=2 * model.county.n_facilities
                                 )[group] if referred.any() else 0
    open_part = np.floor(capacity * (1.0 - model.reserved.take(fac)))
    served = (rank < capacity) & (referred | (rank - referred_ahead < open_part))
    rows, fac, queue = rows[served], fac[served], queue[served]
    treatable = transitions.takes_on(model, rows, fac, OUTPATIENT)
    # Admission queues hold only patients the facility can admit; an outpatient contact
    # treats the episode if it needs no bed and the facility can treat it, else refers.
    treated = (queue == INPATIENT) | (treatable & (ep["care"][rows] == OUTPATIENT))
    sent_down = treated & sends_follow_up_down(model, rows, fac)
    treated &= ~sent_down
    wait_for_doctor(model, fac[queue == OUTPATIENT])
    records.record_contacts(model, rows, fac, treated, sent_down)
    admit(model, rows[queue == INPATIENT])
    transitions.close(model, rows[(queue == OUTPATIENT) & treated])
    # A recovery stay continues an illness whose treatment was counted already.
    records.count_treated(model, rows[treated & ~ep["recovery"][rows]])
    referral.refer(model, rows[sent_down], down=True)
    referral.refer(model, rows[~treated & ~sent_down], down=False)


def queue_rank(model: TieredCareModel, group: np.ndarray, referred: np.ndarray,
               queued_day: np.ndarray) -> np.ndarray:
    """Place of each queued episode in its queue (0 is served first).

    Order: referred patients first, then by the day they joined, then in row (= arrival)
    order.
    """
    n_groups = 2 * model.county.n_facilities
    if fast.ENABLED:
        rank = fast_queues.rank_in_queue(group, referred, queued_day, n_groups)
        if rank is not None:
            return rank
    # One sort key: every key differs, so a fast unstable sort gives that order.
    key = (group * 2 + ~referred) * (model.total_days + 1) + (
        queued_day - model.day + model.total_days)
    return rank_within(group, np.argsort(key * group.size + np.arange(group.size)))


def wait_for_doctor(model: TieredCareModel, fac: np.ndarray) -> None:
    """Today's mean wait for a doctor at each facility, and what patients will expect.

    Args:
        model: The model.
        fac: Facility of each outpatient seen today.
    """
    st, service = model.state, model.scenario.service
    if fast.ENABLED:
        fast_waits.wait_for_doctor(st, fac, service)
        return
    seen = np.bincount(fac, minlength=model.county.n_facilities)
    st.outpatient_wait_hours = queueing.mean_wait_hours(
        seen, st.outpatient_slots, st.consultation_hours, service)
    # Patients hear of the waits of the last days, not only of today's.
    st.expected_outpatient_wait += (st.outpatient_wait_hours - st.expected_outpatient_wait
                                    ) / service.wait_memory_days


def sends_follow_up_down(model: TieredCareModel, rows: np.ndarray, fac: np.ndarray) -> np.ndarray:
    """Under capitation: county hospitals send chronic follow-up down to the township."""
    strength = model.policy.capitation.strength
    if strength == 0.0:
        return np.zeros(rows.size, dtype=bool)
    follow_up = (model.episodes["kind"][rows] == CHRONIC_FOLLOW_UP) & \
        (model.county.tier[fac] == COUNTY) & model.county.in_county[fac]
    return follow_up & (model.draw("follow_up", rows) < strength)


def admit(model: TieredCareModel, rows: np.ndarray) -> None:
    """Admit episodes: draw their length of stay and occupy a bed."""
    ep = model.episodes
    fac = ep["facility"][rows]
    mean = model.state.stay_days[fac, ep["severity"][rows]]
    mean = np.where(ep["recovery"][rows], model.policy.referral.recovery_stay_days, mean)
    # Gamma(2) stays (a sum of two exponentials): right-skewed like real lengths of
    # stay, with the configured mean.
    u1, u2, u3 = model.draw("stay", rows, np.arange(3)[:, None])
    stay = mean / 2.0 * -(np.log1p(-u1) + np.log1p(-u2))
    stay = np.maximum(stochastic_round(stay, u3), 1)
    ep["status"][rows] = IN_BED
    ep["discharge_day"][rows] = model.day + stay
    model.state.occupied_beds += np.bincount(fac, minlength=model.county.n_facilities)


def leave_queues(model: TieredCareModel) -> None:
    """Patients who waited too long leave: they choose again or forgo care."""
    ep = model.episodes
    rows = np.flatnonzero(ep["status"] == QUEUED)
    limit = np.asarray(model.scenario.service.max_wait_days)[ep["queue"][rows]]
    rows = rows[model.day - ep["queued_day"][rows] >= limit]
    if rows.size == 0:
        return
    recovery = ep["recovery"][rows]
    # A recovery stay that never starts ends at home; the illness was already treated.
    transitions.close(model, rows[recovery])
    rows = rows[~recovery]
    fd, fac = model.family_doctors, ep["facility"][rows]
    fd.score_contacts(rows, fac, fd.covers(fd.team_covers, rows, fac))
    if model.perception is not None:
        none = np.zeros(rows.size, dtype=bool)
        model.perception.experience(ep["home"][rows], fac, model.state.quality.take(fac),
                                    none, none, left_queue=True)
    forgo = model.draw("balking", rows, ep["attempts"][rows]) < \
        np.asarray(model.scenario.service.forgo_probability)[ep["severity"][rows] - 1]
    transitions.unmet(model, rows[forgo])
    ep["avoid"][rows[~forgo]] = ep["facility"][rows[~forgo]]
    transitions.rechoose(model, rows[~forgo])
