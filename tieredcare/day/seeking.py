"""Stages 3–4 of the day: first contact with the family doctor, then facility choice.

Contracted patients who keep to gatekeeping go to their team; everyone else needing a
facility today chooses one by multinomial logit (:mod:`tieredcare.behaviour.choice`) over
their village's candidates, priced by :mod:`tieredcare.day.pricing`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from tieredcare.behaviour.choice import Choosers
from tieredcare.behaviour.choice import choose as logit_choice
from tieredcare.day import pricing, transitions
from tieredcare.episodes import CHOOSING

if TYPE_CHECKING:
    from tieredcare.model import TieredCareModel


def first_contacts(model: TieredCareModel, rows: np.ndarray) -> None:
    """New episodes of contracted patients who keep to gatekeeping go to their team.

    The team sits at the home township centre; with village doctors in the team, the
    village clinic sees the patient first if it can treat the episode (see
    :meth:`FamilyDoctors.village_sites`).
    """
    ep, county = model.episodes, model.county
    rows = rows[model.population.team[ep["resident"][rows]] >= 0]
    adherence = model.policy.family_doctor.gatekeeping.adherence
    rows = rows[model.draw("gatekeeping", rows) < adherence]
    home = ep["home"][rows]
    centre, *clinic = model.family_doctors.village_sites(combination=False)
    facility = centre[home]
    if clinic:  # village doctors are in the team
        clinic = clinic[0][home]
        at_clinic = model.treats_by_need.ravel().take(
            model.need(rows) * county.n_facilities + clinic)
        facility = np.where(at_clinic, clinic, facility)
    ep["gatekept"][rows] = True
    transitions.join(model, rows, facility)


def choose_facilities(model: TieredCareModel) -> None:
    """Everyone needing a facility today picks one, or is recorded as unmet need."""
    rows = np.flatnonzero(model.episodes["status"] == CHOOSING)
    if rows.size == 0:
        return
    exhausted = model.episodes["attempts"][rows] >= model.scenario.service.max_attempts
    transitions.unmet(model, rows[exhausted])
    rows = rows[~exhausted]
    choice = logit_choice(model.scenario.choice, choosers(model, rows),
                          model.draw("choice", rows, model.episodes["attempts"][rows]))
    transitions.unmet(model, rows[choice < 0])
    transitions.join(model, rows[choice >= 0], choice[choice >= 0])


def choosers(model: TieredCareModel, rows: np.ndarray) -> Choosers:
    """The candidates of each choosing episode and what the patient knows of each."""
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
    safe = cand  # a facility index in every column, for look-ups
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
    return Choosers(
        candidates=cand, minutes=minutes, oop=oop,
        wait_days=model.state.expected_wait().ravel().take(charged * np.int64(n_fac) + safe),
        quality=model.state.quality.take(safe), capable=capable,
        severity=ep["severity"][rows], income=model.income_of(resident),
        own_doctor=own_doctor, referral_target=target, avoid=ep["avoid"][rows],
        referred=ep["referred"][rows],
    )
