"""The day's facility choices in three compiled passes (see :mod:`tieredcare.fast`).

:func:`tieredcare.day.seeking.choosers` gathers what each patient knows of each candidate
into a dozen [n, C] arrays, :func:`tieredcare.day.pricing.price` prices them and
:func:`tieredcare.behaviour.choice.choose` turns them into utilities and a draw. Here one
pass prices each candidate (:func:`_cost_days`), numpy takes ``log1p``, a second pass
adds up the utility (:func:`_utilities`), numpy takes ``exp``, and a third draws the
choice (:func:`_pick`). Each arithmetic step is the numpy path's, in its order, so the
choices are the same to the bit. Between passes only one number per candidate is kept
(memory traffic, not arithmetic, bounds these loops in a large prefecture).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from tieredcare.arrays import made_of
from tieredcare.behaviour.choice import OUTSIDE_OPTIONS, outside_utility
from tieredcare.behaviour.costs import CHARGES, N_SEVERITIES
from tieredcare.fast import by_rows, njit, prange
from tieredcare.groups import CELLS_PER_INCOME_GROUP, SEVERITIES
from tieredcare.tiers import DAYS_PER_YEAR, SCHEMES, SERVICE_LINES

if TYPE_CHECKING:
    from tieredcare.model import TieredCareModel

N_LINES = len(SERVICE_LINES)
N_SCHEMES = len(SCHEMES)


def choose(model: TieredCareModel, rows: np.ndarray, uniform: np.ndarray,
           outside: bool) -> np.ndarray:
    """Each choosing episode's facility, as the numpy path chooses it.

    Args:
        model: The model.
        rows: Episodes choosing.
        uniform: One uniform draw per episode.
        outside: Whether self-treatment and no care are options too (at onset).

    Returns:
        Chosen facility, :data:`~tieredcare.behaviour.choice.SELF_TREATMENT` or
        :data:`~tieredcare.behaviour.choice.NO_CARE`, or -1 where every option is closed.
    """
    ep, pop, tariffs, kept = model.episodes, model.population, model.tariffs, model.choice_inputs
    columns = (ep["resident"], ep["home"], ep["referral_target"], ep["care"], ep["severity"],
               ep["line"], ep["referred"], ep["avoid"], ep["referral_tier"], ep["recovery"])
    covers = model.family_doctors.contract_covers
    choice_set = (model.candidates, model.candidate_minutes, model.considered,
                  model.county.village_minutes, model.treats_by_need, covers,
                  kept.covered(model))
    x, extra, signed = _cost_days(
        rows, columns, pop.team, ep["person"], pop.fund_paid, kept.income, choice_set,
        model.emergency_line, tariffs.cost, tariffs.fund, tariffs.deductible, tariffs.ratio,
        tariffs.contact_cap, tariffs.rows_per_table, tariffs.annual_cap,
        tariffs.inpatient_deductible, tariffs.cumulative_deductible,
        tariffs.recovery_deductible_waived, tariffs.emergencies_exempt,
        tariffs.table_by_village, tariffs.offsets_deductible)
    if kept.log_cost:
        np.log1p(x, out=x)
    quality, by_candidate = kept.quality(model)
    e = _utilities(rows, columns, ep["person"], signed, extra, choice_set, x,
                   kept.outside if outside else kept.no_outside,
                   model.state.expected_wait(), model.state.expected_outpatient_wait,
                   quality, by_candidate, model.perception is not None, kept.weights,
                   kept.quality_weights)
    np.exp(e, out=e)
    return _pick(rows, columns, extra, model.candidates, e, uniform, kept.codes)


class ChoiceInputs:
    """What the choice kernels read besides the patients, kept from one call to the next.

    The weights and the outside options' utilities (by severity and income group) are
    fixed for a run, and so are the candidates. What depends only on the village and the
    candidate is looked up once per village, so that the kernels read one short row per
    patient instead of scattered [V, F] entries; these look-ups are rebuilt when what they
    are made of is replaced (a lever switching) or, for perceived quality, changes (at the
    end of each day).

    Args:
        model: The model (its scenario's choice weights and care-seeking utilities).
    """

    def __init__(self, model: TieredCareModel) -> None:
        w, seeking = model.scenario.choice, model.scenario.care_seeking
        self.log_cost = w.cost_form == "log"
        self.weights = np.array([-w.cost, w.travel / 60.0, w.wait, w.outpatient_wait,
                                 w.capable, w.contract, w.referred])
        self.quality_weights = np.asarray(w.quality, dtype=np.float64)
        self.codes = np.asarray(OUTSIDE_OPTIONS, dtype=np.int64)
        self.income = model.income.astype(np.float64)
        # outside_utility on every (severity, income group) pair: each patient's value is
        # one of these, computed by the same numpy operations.
        n_groups, n_sev = self.income.size, len(SEVERITIES)
        table = outside_utility(w, seeking, np.repeat(np.arange(1, n_sev + 1), n_groups),
                                np.tile(self.income, n_sev))
        self.outside = np.ascontiguousarray(table.reshape(n_sev, n_groups, -1))
        self.no_outside = np.empty((n_sev, n_groups, 0))
        self._covered: tuple[tuple[object, ...], np.ndarray] | None = None
        self._quality: tuple[tuple[object, ...], tuple[np.ndarray, np.ndarray]] | None = None
        # The candidates are fixed for a run: their places in a [V, F] table, [V, C].
        self._safe = np.maximum(model.candidates, 0)
        self._flat = (np.arange(model.county.n_villages)[:, None]
                      * np.int64(model.county.n_facilities) + self._safe)

    def covered(self, model: TieredCareModel) -> np.ndarray:
        """Whether each village's contract covers each of its candidates [V, C]."""
        parts = (model.family_doctors.contract_covers,)
        if not made_of(self._covered, parts):
            self._covered = parts, parts[0].ravel().take(self._flat)
        return self._covered[1]

    def quality(self, model: TieredCareModel) -> tuple[np.ndarray, np.ndarray]:
        """Perceived quality [V, F], and of each village's candidates [V, C].

        Without trust, the truth: [1, F].
        """
        perception = model.perception
        parts = (model.state.quality,) if perception is None else \
            (perception.values, perception.version)
        if not made_of(self._quality, parts):
            if perception is None:
                quality = model.state.quality[None, :]
                by_candidate = quality[0].take(self._safe)
            else:
                quality = perception.values
                by_candidate = quality.ravel().take(self._flat)
            self._quality = parts, (quality, by_candidate)
        return self._quality[1]


@njit
def _candidate(candidates, home, j, extra, target):  # pragma: no cover - compiled
    """Candidate ``j`` of a patient and the index to look it up by (never negative).

    Column ``C`` (past the village's candidates) is a referral target the village does
    not consider: -1 (closed) for patients without one.
    """
    if j < candidates.shape[1]:
        f = candidates[home, j]
        return f, max(f, 0)
    return (target if extra else -1), max(target, 0)


@by_rows
def _cost_days(rows, columns, team, person_col, fund_paid, income,
               choice_set, emergency_line, cost_t, fund_t, deductible_t, ratio_t,
               contact_cap_t, rows_per_table, annual_cap, inpatient_deductible,
               cumulative, waived, emergencies_exempt, village_table,
               offsets_deductible):  # pragma: no cover - compiled
    """Out-of-pocket cost of each candidate in days of income [n, C(+1)].

    As :func:`tieredcare.day.pricing.price` prices what a patient expects to pay at each
    candidate (a consultation where it cannot treat); also which patients hold a
    referral to a facility their village does not consider (the extra column).
    """
    resident_col, home_col, target_col, care_col, severity_col, line_col, referred_col, \
        _, tier_col, recovery_col = columns
    candidates, _, considered, _, treats, covers, covered = choice_set
    n = rows.size
    extra = np.zeros(n, dtype=np.bool_)
    for i in prange(n):
        target = target_col[rows[i]]
        extra[i] = target >= 0 and not considered[home_col[rows[i]], target]
    width = candidates.shape[1] + (1 if extra.any() else 0)
    # The residents' attributes first, in a tight loop: in a large population each is a
    # cache miss, and only a short loop lets the processor wait for many at once.
    paid = np.empty((n, 2))
    signed = np.empty(n, dtype=np.bool_)
    resident_scheme = np.empty(n, dtype=np.int64)
    per_day = np.empty(n)
    for i in prange(n):
        res = resident_col[rows[i]]
        paid[i, 0], paid[i, 1] = fund_paid[res, 0], fund_paid[res, 1]
        signed[i] = team[res] >= 0
        # The person cell holds the scheme and the income group (groups.person_cell).
        cell = np.int64(person_col[rows[i]])
        resident_scheme[i] = (cell // 2) % N_SCHEMES
        per_day[i] = DAYS_PER_YEAR / income[cell // CELLS_PER_INCOME_GROUP]
    x = np.empty((n, width))
    for i in prange(n):
        r = rows[i]
        home, care, sev, line = home_col[r], care_col[r], severity_col[r], line_col[r]
        table = village_table[home]
        need = (care * N_SEVERITIES + sev) * N_LINES + line
        exempt = referred_col[r] or (emergency_line[line] and emergencies_exempt[table])
        code = ((resident_scheme[i] * N_SEVERITIES + sev) * 2 + exempt) * CHARGES \
            + table * rows_per_table
        # What is left of the annual caps (float32 payments, float64 caps).
        left_out = max(annual_cap[table, 0] - paid[i, 0], 0.0)
        left_in = max(annual_cap[table, 1] - paid[i, 1], 0.0)
        offset = 0.0
        if cumulative[table] and tier_col[r] >= 0:
            offset = inpatient_deductible[table, tier_col[r]]
        if waived[table] and recovery_col[r]:
            offset = np.inf
        for j in range(width):
            _, safe = _candidate(candidates, home, j, extra[i], target_col[r])
            charged = care if treats[need, safe] else 0
            own = signed[i] and (covered[home, j] if j < candidates.shape[1]
                                 else covers[home, safe])
            at = code + charged * 3 + own + signed[i]
            cost = cost_t[at, safe]
            cap_left = left_in if charged == 1 else left_out
            if not offsets_deductible:
                fund = min(fund_t[at, safe], cap_left)
            else:
                ded = max(deductible_t[at, safe] - (offset if charged == 1 else 0.0), 0.0)
                fund = max(cost - ded, 0.0) * ratio_t[at, safe]
                fund = min(min(fund, contact_cap_t[at, safe]), max(cap_left, 0.0))
            x[i, j] = (cost - fund) * per_day[i]
    return x, extra, signed


@by_rows
def _utilities(rows, columns, person_col, signed, extra, choice_set, cost_term, outside,
               expected_wait, expected_outpatient_wait, quality, by_candidate, per_village,
               weights, quality_weights):  # pragma: no cover - compiled
    """Utilities laid out [option, n], less each patient's best (exp of it comes next).

    The terms of :func:`~tieredcare.behaviour.choice.utility`, added in its order;
    facilities first, then the outside options; a closed option is −∞. The best is
    subtracted only where it is finite, as :func:`~tieredcare.behaviour.choice._weights`
    does. ``outside`` holds the outside options' utilities by severity and income group
    [severity 1–4, G, options] (no options: not at onset).
    """
    _, home_col, target_col, care_col, severity_col, line_col, referred_col, avoid_col, \
        _, _ = columns
    candidates, candidate_minutes, _, village_minutes, treats, covers, covered = choice_set
    minus_cost, travel, wait_w, outpatient_w, capable_w, contract_w, referred_w = (
        weights[0], weights[1], weights[2], weights[3], weights[4], weights[5], weights[6])
    n, width = cost_term.shape
    n_options = width + outside.shape[2]
    u = np.empty((n_options, n))
    for i in prange(n):
        r = rows[i]
        home, target, care, sev = home_col[r], target_col[r], care_col[r], severity_col[r]
        referred, avoid = referred_col[r], avoid_col[r]
        need = (care * N_SEVERITIES + sev) * N_LINES + line_col[r]
        quality_w = quality_weights[sev - 1]
        q_row = home if per_village else 0
        for j in range(width):
            f, safe = _candidate(candidates, home, j, extra[i], target)
            capable = treats[need, safe]
            if f < 0 or f == avoid or (referred and not capable):
                u[j, i] = -np.inf
                continue
            charged = care if capable else 0
            if j < candidates.shape[1]:
                minutes, q = candidate_minutes[home, j], np.float64(by_candidate[home, j])
                own = signed[i] and covered[home, j]
            else:
                minutes, q = village_minutes[home, safe], np.float64(quality[q_row, safe])
                own = signed[i] and covers[home, safe]
            v = cost_term[i, j] * minus_cost
            v -= travel * minutes
            v -= wait_w * expected_wait[charged, safe]
            v -= outpatient_w * (expected_outpatient_wait[safe] if charged == 0 else 0.0)
            v += quality_w * q
            v += capable_w * (1.0 if capable else 0.0)
            v += contract_w * (1.0 if own else 0.0)
            v += referred_w * (1.0 if f == target else 0.0)
            u[j, i] = v
        group = np.int64(person_col[r]) // CELLS_PER_INCOME_GROUP  # groups.income_group_of
        for k in range(outside.shape[2]):
            u[width + k, i] = outside[sev - 1, group, k]
        top = -np.inf
        for k in range(n_options):
            if u[k, i] > top or u[k, i] != u[k, i]:  # numpy's max: NaN wins
                top = u[k, i]
                if top != top:
                    break
        if np.isfinite(top):
            for k in range(n_options):
                u[k, i] -= top
    return u


@by_rows
def _pick(rows, columns, extra, candidates, e, uniform, codes):  # pragma: no cover
    """Each patient's option from the weights ``e`` [option, n] and a uniform draw.

    As :func:`~tieredcare.behaviour.choice.choose`: the option is the number of
    cumulative weights at or below ``uniform · total`` (at most the last option).
    """
    home_col, target_col = columns[1], columns[2]
    n_options, n = e.shape
    width = candidates.shape[1] + (1 if extra.any() else 0)
    chosen = np.empty(n, dtype=np.int64)
    for i in prange(n):
        total = e[0, i]
        for k in range(1, n_options):
            total += e[k, i]
        draw = uniform[i] * total
        # The cumulative weights again, added in the same order: no buffer per thread.
        cumulative = e[0, i]
        pick = 1 if cumulative <= draw else 0
        for k in range(1, n_options):
            cumulative += e[k, i]
            if cumulative <= draw:
                pick += 1
        pick = min(pick, n_options - 1)
        if pick >= width:
            chosen[i] = codes[pick - width]
        else:
            chosen[i], _ = _candidate(candidates, home_col[rows[i]], pick, extra[i],
                                      target_col[rows[i]])
        if not total > 0:
            chosen[i] = -1
    return chosen


def warm_up(model: TieredCareModel) -> None:
    """Compile the kernels for this model's array types, or load them from numba's cache.

    Done while the model is built, so that the first simulated day does not pay for it.
    """
    choose(model, np.empty(0, dtype=np.intp), np.empty(0), outside=True)
