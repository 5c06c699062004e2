"""Stages 3–4 of the day: care-seeking at onset, then facility choice.

A new episode chooses, by multinomial logit (:mod:`tieredcare.behaviour.choice`), among
its village's candidate facilities (priced by :mod:`tieredcare.day.pricing`),
self-treatment and no care. Contracted patients who seek care and keep to gatekeeping go
to their family doctor first. Episodes that need a facility again (referred on, or left a
queue) choose among the facilities only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from tieredcare import fast
from tieredcare.behaviour.choice import (
    NO_CARE,
    SELF_TREATMENT,
    Choosers,
    outside_utility,
)
from tieredcare.behaviour.choice import choose as logit_choice
from tieredcare.day import pricing, records, transitions
from tieredcare.episodes import CHOOSING
from tieredcare.fast import choice as fast_choice
from tieredcare.tiers import OUTPATIENT

if TYPE_CHECKING:
    from tieredcare.model import TieredCareModel


def seek_care(model: TieredCareModel, rows: np.ndarray) -> None:
    """Today's new episodes decide whether to seek care, and where to go first.

    Each chooses among its facilities, self-treatment and no care (one logit). Of those
    who seek care, contracted patients who keep to gatekeeping go to their family doctor
    instead of the facility they would have picked; the others join the facility chosen.
    """
    if rows.size == 0:
        return
    ep = model.episodes
    decision = _choose(model, rows, outside=True)
    outcome = np.zeros(rows.size, dtype=np.int64)  # 0 sought a facility
    outcome[decision == SELF_TREATMENT] = 1
    outcome[decision == NO_CARE] = 2
    records.count_seeking(model, rows, outcome)
    transitions.close(model, rows[outcome > 0])
    seeking, facility = rows[outcome == 0], decision[outcome == 0]
    transitions.unmet(model, seeking[facility < 0])  # nothing open to them at all
    seeking, facility = seeking[facility >= 0], facility[facility >= 0]
    gatekept = _keeps_to_gatekeeping(model, seeking)
    facility[gatekept] = _family_doctor(model, seeking[gatekept])
    ep["gatekept"][seeking[gatekept]] = True
    transitions.join(model, seeking, facility)


def _keeps_to_gatekeeping(model: TieredCareModel, rows: np.ndarray) -> np.ndarray:
    """Whether each episode's patient is contracted and starts with the family doctor.

    Adherence is the gatekeeping in force in the patient's home county.
    """
    ep, fd = model.episodes, model.family_doctors
    signed = model.population.team[ep["resident"][rows]] >= 0
    adherence = fd.of_home(fd.adherence, ep["home"][rows])
    return signed & (model.draw("gatekeeping", rows) < adherence)


def _family_doctor(model: TieredCareModel, rows: np.ndarray) -> np.ndarray:
    """Where each contracted patient sees the family doctor first.

    The team sits at the home township centre; with village doctors in the team, the
    village clinic sees the patient first if it can treat the episode (see
    :meth:`FamilyDoctors.village_sites`).
    """
    home = model.episodes["home"][rows]
    centre, *clinic = model.family_doctors.village_sites(combination=False)
    facility = centre[home]
    if clinic:  # village doctors are in the team
        clinic = clinic[0][home]
        at_clinic = model.treats_by_need.ravel().take(
            model.need(rows) * model.county.n_facilities + clinic)
        facility = np.where(at_clinic, clinic, facility)
    return facility


def choose_facilities(model: TieredCareModel) -> None:
    """Everyone needing a facility today picks one, or is recorded as unmet need."""
    rows = np.flatnonzero(model.episodes["status"] == CHOOSING)
    if rows.size == 0:
        return
    exhausted = model.episodes["attempts"][rows] >= model.scenario.service.max_attempts
    transitions.unmet(model, rows[exhausted])
    rows = rows[~exhausted]
    choice = _choose(model, rows, outside=False)
    transitions.unmet(model, rows[choice < 0])
    transitions.join(model, rows[choice >= 0], choice[choice >= 0])


def _choose(model: TieredCareModel, rows: np.ndarray, outside: bool) -> np.ndarray:
    """Each episode's logit choice: by the compiled kernels, or by the numpy path."""
    uniform = model.draw("choice", rows, model.episodes["attempts"][rows])
    if fast.ENABLED:
        return fast_choice.choose(model, rows, uniform, outside)
    return logit_choice(model.scenario.choice, choosers(model, rows, outside), uniform)


def choosers(model: TieredCareModel, rows: np.ndarray, outside: bool = False) -> Choosers:
    """The candidates of each choosing episode and what the patient knows of each.

    Args:
        model: The model.
        rows: Episodes choosing.
        outside: Whether self-treatment and no care are options too (at onset).
    """
    ep = model.episodes
    resident, home = ep["resident"][rows], ep["home"][rows]
    target = ep["referral_target"][rows]
    cand = model.candidates.take(home, axis=0)
    minutes = model.candidate_minutes.take(home, axis=0)
    n_fac = model.county.n_facilities
    # A referral to a facility the village does not consider adds a last column (-1,
    # closed, for everyone else), so no facility is listed twice.
    at_target = home * np.int64(n_fac) + np.maximum(target, 0)
    extra = (target >= 0) & ~model.considered.ravel().take(at_target)
    safe = np.maximum(cand, 0) if model.padded_candidates else cand  # indices for look-ups
    if extra.any():
        cand = np.column_stack([cand, np.where(extra, target, -1)])
        safe = np.column_stack([safe, np.maximum(target, 0)])
        minutes = np.column_stack([minutes,
                                   model.county.village_minutes.ravel().take(at_target)])
    capable = model.treats_by_need.ravel().take(model.need(rows)[:, None] * n_fac + safe)
    # At a facility that cannot treat, the patient expects to pay for a consultation.
    # OUTPATIENT (0) where not capable.
    charged = capable * ep["care"][rows][:, None]  # int8
    contract, own_doctor = pricing.contract_status(model, rows, safe)
    oop, _ = pricing.price(model, rows, resident, charged, contract, safe)
    severity, income = ep["severity"][rows], model.income_of(rows)
    return Choosers(
        candidates=cand, minutes=minutes, oop=oop,
        wait_days=model.state.expected_wait().ravel().take(charged * np.int64(n_fac) + safe),
        outpatient_wait_hours=np.where(
            charged == OUTPATIENT, model.state.expected_outpatient_wait.take(safe), 0.0),
        quality=model.perceived_quality(home[:, None], safe), capable=capable,
        severity=severity, income=income,
        own_doctor=own_doctor, referral_target=target, avoid=ep["avoid"][rows],
        referred=ep["referred"][rows],
        outside=outside_utility(model.scenario.choice, model.scenario.care_seeking, severity,
                                income) if outside else None,
    )
