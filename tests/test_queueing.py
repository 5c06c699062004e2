"""Waiting for a doctor within the day: the queueing formulas and what they do in the model."""

from __future__ import annotations

import numpy as np
import pytest

from tieredcare.config.schema import Scenario
from tieredcare.config.service import Service
from tieredcare.queueing import cap_hours, doctors_on_duty, mean_wait_hours
from tieredcare.run import simulate

DAY = Service(opening_hours=8.0, peak_share=0.5, peak_hours=2.0, consultation_cv=1.0)
UNIFORM = Service(opening_hours=8.0, peak_share=0.25, peak_hours=2.0, consultation_cv=1.0)
"""Arrivals spread evenly over the day: no morning peak."""


def test_one_doctor_without_a_peak_waits_as_an_m_m_1_queue() -> None:
    # Sakasegawa's form is exact for one server: Wq = ρ / (μ − λ).
    slots, consult = np.array([48.0]), np.array([10 / 60])
    for demand in (6.0, 24.0, 40.0):
        rate = 6.0  # patients per hour
        lam = demand / 8.0
        expected = (lam / rate) / (rate - lam)
        got = mean_wait_hours(np.array([demand]), slots, consult, UNIFORM)[0]
        assert got == pytest.approx(expected, rel=1e-9)


def test_the_morning_peak_as_a_fluid_queue() -> None:
    # 1,000 slots, 125 patients an hour; 800 patients, 200 an hour in the peak.
    slots, consult = np.array([1000.0]), np.array([8 / 60])
    day = Service(opening_hours=8.0, peak_share=0.5, peak_hours=2.0, consultation_cv=0.0)
    rate = doctors_on_duty(slots, consult, 8.0)[0] / consult[0]
    early, later = 400 / 2, 400 / 6
    backlog = (early - rate) * 2
    drain = backlog / (rate - later)
    fluid = backlog / (2 * rate) * (early * 2 + later * drain) / 800
    cv0 = mean_wait_hours(np.array([800.0]), slots, consult, day)[0]
    doctors = doctors_on_duty(slots, consult, 8.0)[0]
    rho = 800 / (rate * 8)
    random = 0.5 * rho ** (np.sqrt(2 * (doctors + 1)) - 1) / (doctors * (1 - rho)) / rate * doctors
    assert cv0 == pytest.approx(fluid + random, rel=1e-9)


def test_waits_rise_steeply_towards_capacity_and_are_capped() -> None:
    slots = np.full(60, 1000.0)
    demand = np.linspace(0.0, 1000.0, 60)
    wait = mean_wait_hours(demand, slots, np.full(60, 8 / 60), DAY)
    assert np.all(np.diff(wait) >= -1e-12)
    assert wait[demand < 400].max() < 0.01  # many doctors, no queue at low load
    # Steeper near capacity: the last tenth of the load adds more than the first 80 %.
    assert wait[-1] - wait[demand >= 900][0] > wait[demand <= 800][-1]
    overloaded = mean_wait_hours(np.array([5000.0]), np.array([1000.0]), np.array([8 / 60]), DAY)
    assert overloaded[0] <= cap_hours(DAY)


def test_a_village_doctor_with_a_short_consultation_keeps_patients_minutes() -> None:
    # 20 slots, 5-minute consultations: a doctor seeing outpatients part of the day.
    wait = mean_wait_hours(np.array([2.0, 5.0]), np.array([20.0, 20.0]),
                           np.array([5 / 60, 5 / 60]), DAY)
    assert np.all(wait * 60 < 3.0)
    assert mean_wait_hours(np.array([0.0, 3.0]), np.array([10.0, 0.0]),
                           np.array([0.1, 0.1]), DAY).tolist() == [0.0, 0.0]


def test_fewer_slots_for_the_same_patients_mean_longer_waits() -> None:
    slots = np.linspace(2000.0, 30.0, 80)  # from a large hospital down to one doctor
    wait = mean_wait_hours(np.full(80, 25.0), slots, np.full(80, 10 / 60), DAY)
    assert np.all(np.diff(wait) >= -1e-12)


def _county(city_slot_scale: float) -> Scenario:
    return Scenario.model_validate({
        "simulation": {"warmup_days": 20, "horizon_days": 60},
        "population": {"residents": 30_000},
        "policy": {"capacity": {"slot_scale": {
            "village": 1.0, "township": 1.0, "county": 1.0, "city": city_slot_scale,
            "province": 1.0}}},
    })


@pytest.fixture(scope="module")
def city_cuts():
    return [simulate(_county(scale)).summary for scale in (1.0, 0.5, 0.3, 0.2)]


def test_cutting_city_slots_raises_city_waits_and_keeps_patients_in_county(city_cuts) -> None:
    waits = [s["mean_outpatient_wait_hours_city"] for s in city_cuts]
    retention = [s["county_retention"] for s in city_cuts]
    assert all(a < b for a, b in zip(waits, waits[1:], strict=False)), waits
    assert all(a < b for a, b in zip(retention, retention[1:], strict=False)), retention
    assert waits[-1] > 0.5  # hours: a city hospital at its limit keeps patients waiting


def test_expected_waits_follow_the_waits_of_the_last_days() -> None:
    from tieredcare.model import TieredCareModel

    model = TieredCareModel(_county(0.3))
    for _ in range(30):
        model.step()
    st = model.state
    before = st.expected_outpatient_wait.copy()
    model.step()
    memory = model.scenario.service.wait_memory_days
    assert np.allclose(st.expected_outpatient_wait,
                       before + (st.outpatient_wait_hours - before) / memory)
    assert st.expected_outpatient_wait.max() > 0
