"""Today's waits for a doctor in two compiled passes (see :mod:`tieredcare.queueing`).

:func:`tieredcare.queueing.mean_wait_hours` takes some thirty whole-array operations over
the facilities, each of which costs more than its arithmetic on a county's few hundred.
Here a first pass counts the outpatients seen at each facility and computes the morning
peak's wait and the load; numpy raises the load to its power (its vectorised ``power``
may round differently from compiled code); a second pass adds the random wait, caps it
and moves the expected wait. Each step is the numpy path's, in its order.
"""

from __future__ import annotations

import numpy as np

from tieredcare.config.service import Service
from tieredcare.facilities import FacilityState
from tieredcare.fast import njit
from tieredcare.queueing import MAX_LOAD, cap_hours


def wait_for_doctor(state: FacilityState, fac: np.ndarray, day: Service) -> None:
    """Set today's mean wait at each facility and move the wait patients expect.

    As :func:`tieredcare.day.service.wait_for_doctor` does with
    :func:`~tieredcare.queueing.mean_wait_hours`.

    Args:
        state: The facilities' state (its waits are set).
        fac: Facility of each outpatient seen today.
        day: Opening hours, the morning peak and the consultation times' spread.
    """
    demand, doctors, peak, rho, exponent = _loads(
        fac, state.outpatient_slots, state.consultation_hours, day.opening_hours,
        day.peak_share, 1.0 - day.peak_share, day.peak_hours,
        max(day.opening_hours - day.peak_hours, 1e-9), day.opening_hours - day.peak_hours)
    state.outpatient_wait_hours = _waits(
        rho**exponent, demand, doctors, peak, rho, state.outpatient_slots,
        state.consultation_hours, (1.0 + day.consultation_cv**2) / 2.0, cap_hours(day),
        state.expected_outpatient_wait, day.wait_memory_days)


@njit
def _loads(fac, slots, consultation_hours, opening_hours, peak_share, later_share,
           peak_hours, later_hours, drain_limit):  # pragma: no cover - compiled
    """Outpatients seen, doctors, the peak's wait, the clipped load and its exponent [F].

    As :func:`~tieredcare.queueing.mean_wait_hours` up to the power, with
    :func:`~tieredcare.queueing._peak_wait` inline.
    """
    n = slots.size
    demand = np.zeros(n, dtype=np.int64)
    for i in range(fac.size):
        demand[fac[i]] += 1
    doctors, peak, rho, exponent = np.empty(n), np.empty(n), np.empty(n), np.empty(n)
    for f in range(n):
        safe = np.float64(slots[f]) if slots[f] > 0 else 1.0
        doctors[f] = max(safe * consultation_hours[f] / opening_hours, 1.0)
        rate = safe / opening_hours
        seen = min(np.float64(demand[f]), rate * opening_hours)
        early = peak_share * seen / peak_hours
        later = later_share * seen / later_hours
        backlog = max(early - rate, 0.0) * peak_hours
        drain = backlog / (rate - later) if rate > later else 0.0
        drain = min(drain, drain_limit)
        waiting = early * peak_hours + later * drain
        peak[f] = backlog / (2.0 * rate) * waiting / seen if seen > 0 else 0.0
        rho[f] = min(max(demand[f] / safe, 0.0), MAX_LOAD)
        exponent[f] = np.sqrt(2.0 * (doctors[f] + 1.0)) - 1.0
    return demand, doctors, peak, rho, exponent


@njit
def _waits(powered, demand, doctors, peak, rho, slots, consultation_hours, spread, cap,
           expected, memory_days):  # pragma: no cover - compiled
    """Mean wait [F] [hours]: the peak's plus the random wait, capped; moves ``expected``.

    As :func:`~tieredcare.queueing._random_wait` and the end of
    :func:`~tieredcare.queueing.mean_wait_hours`.
    """
    wait = np.empty(slots.size)
    for f in range(slots.size):
        random_wait = spread * (powered[f] / (doctors[f] * (1.0 - rho[f]))) \
            * consultation_hours[f]
        total = peak[f] + random_wait
        wait[f] = min(total, cap) if slots[f] > 0 and demand[f] > 0 else 0.0
        expected[f] += (wait[f] - expected[f]) / memory_days
    return wait


def warm_up(state: FacilityState, day: Service) -> None:
    """Compile the kernels, or load them from numba's cache, before the first day.

    Changes nothing: with no outpatients the waits are 0 and the expected waits stay.
    """
    expected = state.expected_outpatient_wait.copy()
    wait_for_doctor(state, np.empty(0, dtype=np.intp), day)
    state.expected_outpatient_wait[:] = expected
    state.outpatient_wait_hours = np.zeros_like(state.outpatient_wait_hours)
