"""Referral on: upward to the nearest capable facility, downward for recovery or follow-up.

Upward referrals hold a referral to a target (:func:`tieredcare.behaviour.referral.
referral_targets`, or the "1+1+1" partner hospital) and choose again the next day;
downward referrals are booked into the home township centre's queue.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from tieredcare.day import records, transitions
from tieredcare.episodes import QUEUED
from tieredcare.tiers import COUNTY, INPATIENT, REHABILITATION

if TYPE_CHECKING:
    from tieredcare.model import TieredCareModel


def refer_down(model: TieredCareModel, rows: np.ndarray) -> None:
    """Send some discharged hospital inpatients to a recovery stay at their township."""
    ep = model.episodes
    fac = ep["facility"][rows]
    centre = model.home_centre(rows)
    eligible = ((model.county.tier[fac] >= COUNTY) & (ep["severity"][rows] >= 3)
                & ~ep["recovery"][rows]
                & model.treats[INPATIENT, centre, 2, REHABILITATION])
    chance = model.policy.referral.down_referral_probability
    go = np.flatnonzero(eligible)
    go = go[model.draw("referral", rows[go]) < chance]
    if go.size == 0:
        return
    model.counters.add("referrals_down", model.row, fac[go])
    src = rows[go]
    model.episodes.add(
        go.size, resident=ep["resident"][src], home=ep["home"][src], person=ep["person"][src],
        kind=ep["kind"][src], severity=2,
        care=INPATIENT, line=REHABILITATION, onset_day=model.day, status=QUEUED,
        facility=centre[go], queue=INPATIENT, queued_day=model.day, attempts=1,
        referred=True, referral_target=centre[go], recovery=True)


def refer(model: TieredCareModel, rows: np.ndarray, down: bool) -> None:
    """Refer episodes on.

    Upward: the patient chooses again tomorrow, holding a referral to the nearest
    capable facility. Downward (chronic follow-up under capitation): the patient is
    booked into the home township centre's queue.
    """
    if rows.size == 0:
        return
    ep = model.episodes
    fac = ep["facility"][rows]
    model.counters.add("referrals_down" if down else "referrals_up", model.row, fac)
    if not down:
        records.by_group(model, rows, counts={"referrals_up": None})
    if down:
        target = model.home_centre(rows)
    else:
        target = model.referral_to[ep["care"][rows], fac, ep["severity"][rows],
                                  ep["line"][rows]]
        target = to_partner_hospital(model, rows, target)
    ep["referral_target"][rows] = target
    ep["referral_tier"][rows] = model.county.tier[fac]
    ep["referred"][rows] = True
    ep["avoid"][rows] = fac
    if down:
        transitions.join(model, rows, target)
    else:
        transitions.rechoose(model, rows)


def to_partner_hospital(model: TieredCareModel, rows: np.ndarray, target: np.ndarray) -> np.ndarray:
    """With "1+1+1" contracts, refer to the contract's county or city hospital if able.

    Only patients whose home county has "1+1+1" contracts in force have partners.
    """
    fd = model.family_doctors
    if not fd.combination.any() or rows.size == 0:
        return target
    ep = model.episodes
    covered = fd.facilities(ep["resident"][rows], combination=True)
    linked = fd.of_home(fd.combination, ep["home"][rows])
    need = model.need(rows)
    county_partner, city_partner = (np.where(linked, partner, -1) for partner in covered[-2:])
    safe = np.maximum(target, 0)
    hospital_needed = (target >= 0) & (model.county.tier[safe] >= COUNTY)
    out_of_county = (target >= 0) & ~model.county.in_county[safe]
    for partner, applies in ((county_partner, hospital_needed & model.county.in_county[safe]),
                             (city_partner, out_of_county)):
        able = (partner >= 0) & model.treats_by_need[need, np.maximum(partner, 0)]
        target = np.where(applies & able, partner, target)
    return target
