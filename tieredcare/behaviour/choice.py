"""Facility choice by multinomial logit (DESIGN §4), vectorised over the day's patients.

U = − β_cost·f(OOP/daily income) − β_travel·hours − β_wait·expected days of waiting
    − β_outpatient_wait·expected hours waiting for a doctor
    + β_quality(severity)·quality + β_capable·[can treat] + β_contract·[own family doctor]
    + β_referred·[holds a referral there] + Gumbel noise

where f is ln(1 + x) (default) or x. Each patient draws a candidate from the logit
probabilities (the same as taking the highest utility after Gumbel noise). Candidates
closed to the patient get −∞. At onset the choice set also holds the outside options,
self-treatment and no care, with utilities of their own (see
:class:`~tieredcare.config.behaviour.CareSeeking`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tieredcare.config.behaviour import CareSeeking, Choice
from tieredcare.tiers import DAYS_PER_YEAR

SELF_TREATMENT = -2
"""Choice code of self-treatment (an outside option)."""
NO_CARE = -3
"""Choice code of going without care (an outside option)."""
OUTSIDE_OPTIONS = (SELF_TREATMENT, NO_CARE)
"""Codes of the outside options, in the order of their utility columns."""


@dataclass(frozen=True)
class Choosers:
    """The patients choosing today and what each one knows.

    Attributes:
        candidates: Facility index of each candidate [n, C]; -1 marks no candidate.
        minutes: One-way travel time to each candidate [n, C] [minutes].
        oop: Expected out-of-pocket cost at each candidate [n, C] [CNY].
        wait_days: Expected wait at each candidate for a bed or a later day's slot [n, C]
            [days].
        outpatient_wait_hours: Expected wait for a doctor within the day at each candidate,
            0 where the patient needs a bed [n, C] [hours].
        quality: Quality of each candidate [n, C] [index 0–1].
        capable: Whether each candidate can treat the episode [n, C].
        severity: Severity of each episode [n].
        income: Annual income of each patient [n] [CNY].
        own_doctor: Whether each candidate is covered by the patient's contract [n, C].
        referral_target: Facility the patient holds a referral to, -1 if none [n].
        avoid: Facility the patient just left after a long wait, -1 if none [n].
        referred: Whether the patient was referred on (then only capable candidates) [n].
        outside: Utility of each outside option [n, len(OUTSIDE_OPTIONS)], or None when the
            patient has already chosen to seek care.
    """

    candidates: np.ndarray
    minutes: np.ndarray
    oop: np.ndarray
    wait_days: np.ndarray
    outpatient_wait_hours: np.ndarray
    quality: np.ndarray
    capable: np.ndarray
    severity: np.ndarray
    income: np.ndarray
    own_doctor: np.ndarray
    referral_target: np.ndarray
    avoid: np.ndarray
    referred: np.ndarray
    outside: np.ndarray | None = None


def cost_term(weights: Choice, oop: np.ndarray, income: np.ndarray) -> np.ndarray:
    """Out-of-pocket cost as it enters utility, relative to the patient's daily income.

    Args:
        weights: Logit weights (``cost_form`` chooses ln(1 + x) or x).
        oop: Out-of-pocket cost [CNY], shaped [n] or [n, C].
        income: Annual income [CNY], broadcastable against ``oop``.

    Returns:
        A new array shaped like ``oop``.
    """
    days_of_income = oop * (DAYS_PER_YEAR / income)
    if weights.cost_form == "log":
        return np.log1p(days_of_income, out=days_of_income)
    return days_of_income


def utility(weights: Choice, c: Choosers) -> np.ndarray:
    """Systematic utility of each candidate [n, C]; −∞ where the candidate is closed."""
    # Built in place: this runs for every patient choosing, every day.
    u = cost_term(weights, c.oop, c.income[:, None])
    u *= -weights.cost
    u -= (weights.travel / 60.0) * c.minutes
    u -= weights.wait * c.wait_days
    u -= weights.outpatient_wait * c.outpatient_wait_hours
    u += np.asarray(weights.quality).take(c.severity - 1)[:, None] * c.quality
    u += weights.capable * c.capable
    u += weights.contract * c.own_doctor
    u += weights.referred * (c.candidates == c.referral_target[:, None])
    closed = (c.candidates < 0) | (c.candidates == c.avoid[:, None])
    closed |= c.referred[:, None] & ~c.capable
    u[closed] = -np.inf
    return u


def _weights(u: np.ndarray) -> np.ndarray:
    """Unnormalised logit weights exp(u − max u), laid out [C, n] for fast column sums."""
    u = np.ascontiguousarray(u.T)  # reductions over a short last axis are slow in numpy
    top = u.max(axis=0)
    u -= np.where(np.isfinite(top), top, 0.0)
    return np.exp(u, out=u)


def probabilities(weights: Choice, c: Choosers) -> np.ndarray:
    """Logit choice probabilities of each candidate [n, C]; rows with none open are all 0."""
    e = _weights(utility(weights, c))
    total = e.sum(axis=0)
    return np.divide(e, total, out=np.zeros_like(e), where=total > 0).T


def choose(weights: Choice, c: Choosers, uniform: np.ndarray) -> np.ndarray:
    """Draw each patient's facility from the logit probabilities.

    One uniform number per patient is compared with the cumulative probabilities, so a
    policy that shifts probabilities a little changes few choices between two runs with
    the same seed (common random numbers), and it is cheaper than Gumbel noise.

    Args:
        weights: Logit weights.
        c: The choosers and their candidates.
        uniform: One uniform draw in [0, 1) per patient.

    Returns:
        Chosen facility index of each patient, :data:`SELF_TREATMENT` or :data:`NO_CARE`
        for an outside option, or -1 where every option is closed.
    """
    u = utility(weights, c)
    if c.outside is not None:  # outside options last: facility draws stay as they were
        u = np.concatenate([u, c.outside], axis=1)
    cumulative = np.cumsum(_weights(u), axis=0)
    total = cumulative[-1]
    draw = uniform * total
    pick = np.minimum((cumulative <= draw).sum(axis=0), cumulative.shape[0] - 1)
    n_fac = c.candidates.shape[1]
    chosen = c.candidates[np.arange(pick.size), np.minimum(pick, n_fac - 1)]
    if c.outside is not None:
        codes = np.asarray(OUTSIDE_OPTIONS)
        chosen = np.where(pick >= n_fac, codes.take(np.maximum(pick - n_fac, 0)), chosen)
    return np.where(total > 0, chosen, -1)


def outside_utility(weights: Choice, care_seeking: CareSeeking, severity: np.ndarray,
                    income: np.ndarray) -> np.ndarray:
    """Utility of self-treatment and of no care for each patient [n, 2].

    Self-treatment pays its cost through the same cost term as a facility; going without
    care costs nothing. Disabled care-seeking closes both (−∞).

    Args:
        weights: Logit weights of the facility choice.
        care_seeking: Utilities of the outside options by severity, and their cost.
        severity: Severity of each episode, 1–4 [n].
        income: Annual income of each patient [CNY] [n].
    """
    if not care_seeking.enabled:
        return np.full((severity.size, len(OUTSIDE_OPTIONS)), -np.inf)
    cost = cost_term(weights, np.full(severity.size, care_seeking.self_treatment_cost), income)
    own = np.asarray(care_seeking.self_treatment).take(severity - 1) - weights.cost * cost
    none = np.asarray(care_seeking.no_care).take(severity - 1)
    return np.column_stack([own, none])
