"""Trust that is learnt: perceived quality moves towards experience, so effects build up."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import make_small
from tieredcare.behaviour.trust import Perception
from tieredcare.config import Scenario
from tieredcare.run import simulate


def test_perception_moves_towards_experience_at_the_word_of_mouth_rate() -> None:
    config = Scenario().trust  # 1.5 residents per experience
    perception = Perception(config, np.array([0.5, 0.5]), np.array([100, 1_000]))
    for village in (0, 1):
        home, fac = np.full(10, village), np.zeros(10, dtype=np.intp)
        perception.experience(home, fac, np.full(10, 0.9), np.zeros(10, bool),
                              np.zeros(10, bool))
    perception.update()
    small, large = perception.values[:, 0]
    # Ten experiences of 0.9 move a village of 100 by 1 − (1 − 1.5/100)^10 of the gap.
    assert small == pytest.approx(0.5 + 0.4 * (1 - (1 - 0.015) ** 10), rel=1e-5)
    assert 0.5 < large < small  # a larger village hears of a smaller share of its people
    assert perception.values[0, 1] == pytest.approx(0.5)  # facility 1: no experiences
    # A referral on and a long wait take their penalties off the experience.
    perception.experience(np.array([0]), np.array([1]), np.array([0.5]), np.array([True]),
                          np.array([True]))
    perception.update()
    expected = 0.5 + (0.5 - config.referred_on_penalty - config.long_wait_penalty - 0.5) \
        * 1.5 / 100
    assert perception.values[0, 1] == pytest.approx(expected, rel=1e-5)


QUALITY_AT_TOWNSHIPS = {
    # Doctors sent down to every township centre from day 0, adding quality only: no
    # slots, the township capability unchanged, nothing taken from the county hospital.
    "policy.doctors_sent_down": {"start_day": 0, "doctors": 4, "slots_per_doctor": 0.0,
                                 "capability": 2, "quality_gain": 0.4, "from_county": False},
}
YEAR = {"simulation.horizon_days": 330, "population.residents": 30_000}


def township_share(output, days: slice) -> float:
    series = output.timeseries.iloc[days]
    return float(series["visit_share_township"].mean())


@pytest.mark.parametrize("learnt", [True, False])
def test_a_better_township_centre_gains_patients_gradually_only_if_trust_is_learnt(
        learnt: bool) -> None:
    settings = {**YEAR, "trust.enabled": learnt}
    base = simulate(make_small(settings))
    better = simulate(make_small({**settings, **QUALITY_AT_TOWNSHIPS}))
    early = township_share(better, slice(0, 30)) - township_share(base, slice(0, 30))
    late = township_share(better, slice(270, 330)) - township_share(base, slice(270, 330))
    assert late > 0.01, late
    if learnt:
        assert early < 0.5 * late, (early, late)
        perceived = better.timeseries["perceived_quality_township"].to_numpy()
        assert perceived[29] < perceived[299]  # the build-up shows in the time series
    else:
        assert early == pytest.approx(late, rel=0.35), (early, late)


def test_perceived_quality_is_reported_per_facility() -> None:
    out = simulate(make_small({"simulation.horizon_days": 60}))
    fac = out.facilities
    assert {"quality", "perceived_quality"} <= set(fac.columns)
    assert fac["perceived_quality"].between(0, 1).all()
    townships = fac[fac["tier"] == "township"]
    assert (townships["perceived_quality"] != townships["quality"]).any()
