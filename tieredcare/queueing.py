"""Waiting for a doctor within the day, at every outpatient department at once.

Outpatients arrive over the opening hours, a share of them in a morning peak, and wait
for one of the doctors on duty. A facility's day has two limits. Its *slots* are the visits
it gives in a day (what the doctors' other duties leave for outpatients); demand beyond them
waits for a later day (:mod:`tieredcare.day.service`), counted in days. Within the day its
*load* is the day's outpatients ÷ its slots, and the mean wait in the waiting room, in
hours, is the sum of two parts:

- the morning peak, as a fluid queue: while arrivals outrun the doctors a backlog builds,
  then drains; patients wait for the backlog ahead of them;
- the randomness of arrivals and consultations: the Allen–Cunneen approximation of a G/G/c
  queue at the day's load, with Sakasegawa's (1977) closed form for the M/M/c wait,
  ``(1 + cv²)/2 · ρ^(√(2(c+1)) − 1) / (c (1 − ρ)) · consultation time``, which rises
  steeply as the load nears 1.

A village doctor with a short consultation time and few patients keeps them waiting
minutes, not hours. The number of doctors is not rounded, so a wait changes smoothly
(and in the same direction) with a facility's capacity. Within one day nobody waits
longer on average than half the opening hours (the mean wait when the queue never empties
all day), so the wait is capped there.

The fluid part of a two-level arrival profile: over a peak of P hours a share f of the
day's N patients arrive at λ₁ = fN/P per hour, the rest at λ₂ = (1 − f)N/(H − P); the
doctors see s per hour. If λ₁ > s a backlog Q = (λ₁ − s)P builds, drains over
T = Q/(s − λ₂), and the λ₁P + λ₂T patients who find it wait Q/(2s) on average.
"""

from __future__ import annotations

import numpy as np

from tieredcare.config.service import Service

MAX_LOAD = 0.98
"""Highest load at which the steady-state random wait is evaluated: at a load nearer 1 the
steady-state wait takes longer than a day to build up (its relaxation time grows as
1 / (1 − √ρ)²), so a full day is charged the wait of this load (assumption)."""


def doctors_on_duty(slots: np.ndarray, consultation_hours: np.ndarray,
                    opening_hours: float) -> np.ndarray:
    """Doctors seeing outpatients at each facility: slots × consultation time ÷ hours.

    Fewer than one means one doctor seeing outpatients part of the day (a village doctor
    also does public-health work and home visits).

    Args:
        slots: Outpatient visits per day [F].
        consultation_hours: Mean consultation time at each facility [F] [hours].
        opening_hours: Outpatient opening hours per day [hours].

    Returns:
        Doctors [F] (not rounded, so waits change smoothly with capacity).
    """
    return slots * consultation_hours / opening_hours


def mean_wait_hours(demand: np.ndarray, slots: np.ndarray, consultation_hours: np.ndarray,
                    day: Service) -> np.ndarray:
    """Mean wait for a doctor of the outpatients seen at each facility today [hours].

    The load is demand ÷ slots: the share of the doctors' outpatient time that today's
    patients fill. The waiting room has at least one doctor; a part-time one sees patients
    at full pace while there.

    Args:
        demand: Outpatients seen today [F] (at most the day's slots).
        slots: Outpatient visits the facility gives per day [F].
        consultation_hours: Mean consultation time [F] [hours].
        day: Opening hours, the morning peak and the spread of consultation times
            (``scenario.service``).

    Returns:
        Mean wait [F] [hours], nondecreasing in demand and in 1 / slots; 0 where a facility
        has no slots or no patients.
    """
    open_ = slots > 0
    safe_slots = np.where(open_, slots, 1.0)
    doctors = np.maximum(doctors_on_duty(safe_slots, consultation_hours, day.opening_hours),
                         1.0)
    rate = safe_slots / day.opening_hours  # patients seen per hour, over the day
    wait = _peak_wait(demand, rate, day) + _random_wait(
        demand / safe_slots, doctors, consultation_hours, day.consultation_cv)
    return np.where(open_ & (demand > 0), np.minimum(wait, cap_hours(day)), 0.0)


def cap_hours(day: Service) -> float:
    """Longest mean wait within one day: half the opening hours [hours]."""
    return day.opening_hours / 2.0


def _peak_wait(demand: np.ndarray, rate: np.ndarray, day: Service) -> np.ndarray:
    """Mean wait from the morning peak, as a fluid queue [hours].

    A backlog builds at (peak arrival rate − rate) over the peak, then drains at
    (rate − later arrival rate); a patient waits for the backlog found on arrival, so
    both the peak's arrivals and those arriving while it drains wait half the backlog
    ÷ rate on average.
    """
    # Demand beyond the day's capacity goes to a later day; the rest is seen today.
    seen = np.minimum(demand, rate * day.opening_hours)
    early = day.peak_share * seen / day.peak_hours
    later = (1.0 - day.peak_share) * seen / max(day.opening_hours - day.peak_hours, 1e-9)
    backlog = np.maximum(early - rate, 0.0) * day.peak_hours
    drain_hours = np.divide(backlog, rate - later, out=np.zeros_like(backlog),
                            where=rate > later)
    drain_hours = np.minimum(drain_hours, day.opening_hours - day.peak_hours)
    waiting = early * day.peak_hours + later * drain_hours  # patients who find a backlog
    with np.errstate(divide="ignore", invalid="ignore"):
        wait = backlog / (2.0 * rate) * waiting / seen
    return np.where(seen > 0, wait, 0.0)


def _random_wait(load: np.ndarray, doctors: np.ndarray, service_hours: np.ndarray,
                 cv: float) -> np.ndarray:
    """Mean wait from random arrivals and consultation times (Allen–Cunneen) [hours]."""
    rho = np.clip(load, 0.0, MAX_LOAD)
    wait = rho ** (np.sqrt(2.0 * (doctors + 1.0)) - 1.0) / (doctors * (1.0 - rho))
    return (1.0 + cv**2) / 2.0 * wait * service_hours
