"""The daily counters: every event the model counts, by day and facility.

The model only counts events (visits, admissions, referrals, payments, ...) per day and
facility; :mod:`tieredcare.metrics` defines every indicator as a ratio of sums of these
counters.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tieredcare.tiers import EPISODE_TYPES, TIERS

MAX_WAIT_BIN = 30
"""Waits of this many days or more share the last histogram bin."""

SOUGHT, SELF_TREATED, NO_CARE = range(3)
"""What a patient did at onset (the last axis of ``Counters.seeking``)."""


@dataclass
class Counters:
    """Events counted per simulated day (rows) and facility (columns).

    Row ``d`` holds simulated day ``d − warmup_days``: warm-up days come first.

    Attributes:
        visits: Outpatient visits served (treatment or consultation before referral).
        admissions: Admissions, recovery stays included.
        recovery_admissions: Admissions that are recovery stays after a downward referral.
        treated: Episodes whose treatment was given at the facility (recovery stays excluded).
        unreferred: Visits and admissions at the facility by patients without a referral.
        referrals_up: Episodes the facility referred upward.
        referrals_down: Inpatients the facility referred down for recovery.
        oop: Paid by patients at the facility [CNY].
        fund: Paid by the insurer at the facility [CNY].
        outpatient_queue: Outpatients waiting at the end of the day.
        admission_queue: Patients waiting for a bed at the end of the day.
        occupied_beds: Beds occupied at the end of the day.
        outpatient_slots: Outpatient slots the facility had that day.
        beds: Beds the facility had that day.
        outpatient_wait_hours: Hours outpatients seen waited for a doctor, summed [hours].
        admission_wait_days: Days admitted patients waited for a bed, summed [days].
        wait_hist: Served contacts by tier and days waited [day, tier, wait].
        onsets: New episodes of illness.
        unmet: Episodes that ended without treatment (forgone or no facility left).
        episode_oop: Out-of-pocket cost of the episodes treated that day, summed [CNY].
        catastrophic: Treated episodes whose out-of-pocket cost was catastrophic.
        contracted: Residents under contract at the end of the day: all, 65+, chronic.
        group_size: Residents in each of those groups.
        flows: Treated episodes by home township (rows) and facility, reporting period only.
        perceived: Perceived quality of each facility, summed over the villages considering
            it, weighted by their residents (end of day).
        perception_weight: Those weights summed (residents of the villages considering it).
        seeking: New illness episodes by type, care needed and what the patient did at
            onset: sought a facility, self-treated, or went without care
            [day, type, care, outcome].
    """

    days: int
    n_facilities: int
    n_townships: int
    group_size: np.ndarray
    visits: np.ndarray = field(init=False)
    admissions: np.ndarray = field(init=False)
    recovery_admissions: np.ndarray = field(init=False)
    treated: np.ndarray = field(init=False)
    unreferred: np.ndarray = field(init=False)
    referrals_up: np.ndarray = field(init=False)
    referrals_down: np.ndarray = field(init=False)
    oop: np.ndarray = field(init=False)
    fund: np.ndarray = field(init=False)
    outpatient_queue: np.ndarray = field(init=False)
    admission_queue: np.ndarray = field(init=False)
    occupied_beds: np.ndarray = field(init=False)
    outpatient_slots: np.ndarray = field(init=False)
    beds: np.ndarray = field(init=False)
    outpatient_wait_hours: np.ndarray = field(init=False)
    admission_wait_days: np.ndarray = field(init=False)
    wait_hist: np.ndarray = field(init=False)
    onsets: np.ndarray = field(init=False)
    unmet: np.ndarray = field(init=False)
    episode_oop: np.ndarray = field(init=False)
    catastrophic: np.ndarray = field(init=False)
    contracted: np.ndarray = field(init=False)
    flows: np.ndarray = field(init=False)
    perceived: np.ndarray = field(init=False)
    perception_weight: np.ndarray = field(init=False)
    seeking: np.ndarray = field(init=False)

    PER_FACILITY = ("visits", "admissions", "recovery_admissions", "treated", "unreferred",
                    "referrals_up", "referrals_down", "outpatient_queue", "admission_queue",
                    "occupied_beds", "outpatient_slots", "beds", "admission_wait_days")
    PER_FACILITY_FLOAT = ("oop", "fund", "perceived", "perception_weight",
                          "outpatient_wait_hours")
    PER_DAY = ("onsets", "unmet", "catastrophic")

    def __post_init__(self) -> None:
        shape = (self.days, self.n_facilities)
        for name in self.PER_FACILITY:
            setattr(self, name, np.zeros(shape, dtype=np.int32))
        for name in self.PER_FACILITY_FLOAT:
            setattr(self, name, np.zeros(shape, dtype=np.float64))
        for name in self.PER_DAY:
            setattr(self, name, np.zeros(self.days, dtype=np.int64))
        self.episode_oop = np.zeros(self.days, dtype=np.float64)
        self.wait_hist = np.zeros((self.days, len(TIERS), MAX_WAIT_BIN + 1), dtype=np.int32)
        self.contracted = np.zeros((self.days, 3), dtype=np.int64)
        self.flows = np.zeros((self.n_townships, self.n_facilities), dtype=np.int64)
        self.seeking = np.zeros((self.days, len(EPISODE_TYPES), 2, 3), dtype=np.int32)

    def add(self, name: str, row: int, facility: np.ndarray, weights: np.ndarray | None = None
            ) -> None:
        """Add events at facilities to a per-facility counter for one day."""
        counts = np.bincount(facility, weights=weights, minlength=self.n_facilities)
        target = getattr(self, name)[row]
        np.add(target, counts, out=target, casting="unsafe")  # int64 counts into int32

    def add_events(self, row: int, facility: np.ndarray, **which: np.ndarray) -> None:
        """Add several kinds of events at once: ``counter=mask`` over the same contacts."""
        n = self.n_facilities
        index = np.concatenate([facility[mask] + k * n for k, mask in enumerate(which.values())])
        counts = np.bincount(index, minlength=n * len(which)).reshape(len(which), n)
        for name, column in zip(which, counts, strict=True):
            target = getattr(self, name)[row]
            np.add(target, column, out=target, casting="unsafe")
